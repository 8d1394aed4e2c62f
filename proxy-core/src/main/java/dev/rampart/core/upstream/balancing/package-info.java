/**
 * Load balancing: which of an upstream's endpoints the next attempt goes to (round-robin,
 * least-request by power of two choices, random, each with a weighted form for endpoints with weights,
 * and a consistent-hash ring that places a request by its key, hashed by {@code KeyHash}), restricted to the
 * endpoints the caller deems eligible. Lock-free and allocation-free; depends on {@code dev.rampart.core.config} only.
 */
package dev.rampart.core.upstream.balancing;
