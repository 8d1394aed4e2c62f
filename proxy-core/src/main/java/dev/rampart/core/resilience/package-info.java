/**
 * Resilience decisions with no I/O in them: failure classification, the retry policy (backoff, budget,
 * {@code Retry-After}), per-endpoint circuit breakers and their registry, the per-upstream bulkhead, and the
 * per-route rate limiters (token buckets per route or per client address) with their registry.
 * Depends on {@code dev.rampart.core.config}, {@code dev.rampart.core.errors}, Caffeine (its cache and
 * {@code Ticker}) and slf4j; Netty only for exception classes that classification recognises.
 */
package dev.rampart.core.resilience;
