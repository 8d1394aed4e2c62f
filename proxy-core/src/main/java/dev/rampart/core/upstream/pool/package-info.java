/**
 * Upstream connection pooling: one pool per (event loop, endpoint), so an exchange borrows a connection
 * on its own client's event loop with no cross-thread hand-off and no locks. Netty plumbing; depends on
 * {@code config} for endpoint addresses and pool settings.
 */
package dev.rampart.core.upstream.pool;
