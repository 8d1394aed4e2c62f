/**
 * Timeouts on an event loop that both sides of the proxy use: {@code PollFirstTimeout}, which lets the I/O that
 * became ready while the process was stopped go before a timeout that fell due meanwhile. Depends on Netty only.
 */
package dev.rampart.core.timing;
