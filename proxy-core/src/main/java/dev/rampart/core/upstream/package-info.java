/**
 * An upstream at run time: its endpoints, each with its circuit breaker and in-flight count, the load
 * balancer that picks among them, and the bulkhead. Built anew for each config generation; breakers come
 * from the registry so an unchanged endpoint keeps its state across a reload, and {@code EndpointLoads} keeps its
 * in-flight count and its {@code Warmth} (how far into its {@code slow-start}) across reloads too.
 */
package dev.rampart.core.upstream;
