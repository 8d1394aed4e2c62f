/**
 * The server's {@link dev.rampart.core.observe.ProxyObserver}s: Micrometer metrics in a Prometheus
 * registry, and the JSON access log written through SLF4J to logback's asynchronous appender. Depends on
 * {@code dev.rampart.core.observe}, the config records, Micrometer, jackson-core, SLF4J and logback.
 */
package dev.rampart.server.observe;
