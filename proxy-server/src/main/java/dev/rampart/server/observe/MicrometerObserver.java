package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.observe.ProxyProtocolFailure;
import dev.rampart.core.tls.HandshakeFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;

/**
 * The metrics of PRODUCT.md §3.5, kept in a Prometheus registry that the admin server scrapes.
 *
 * <p>The {@link ProxyObserver} methods run on event loops for every request, so each meter is looked up
 * in a {@link ConcurrentHashMap} keyed by a small record of its label values: after the first request
 * of a label combination, recording is a lock-free map read and an increment, with no {@code Meter.Id}
 * built and no registry lock taken. Label values are bounded: methods outside the standard nine become
 * {@code OTHER}, a missing route, reason, upstream or endpoint becomes {@code none}, and the rest come
 * from the config and the reason catalog.
 *
 * <p>Request durations are a histogram with fixed buckets from 1 ms to 30 s (what a proxy's latency
 * spans); percentiles are left to the server that queries them, since client-side percentiles cannot be
 * aggregated across instances. WebSocket exchanges (status 101) are counted but not timed.
 *
 * <p>The observer owns its registry (see {@link #registry()} to add meters) and the JVM, process and
 * Netty memory meters bound to it; {@link #close()} releases them.
 */
public final class MicrometerObserver implements ProxyObserver, AutoCloseable {

    /** The value for a label whose subject is absent (no route matched, no reason on success, ...). */
    public static final String NONE = "none";

    /**
     * A WebSocket exchange is recorded when its tunnel closes, so its duration is the conversation's,
     * not a latency: it is counted, but kept out of the latency histogram.
     */
    private static final int SWITCHING_PROTOCOLS = 101;

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final AtomicInteger activeConnections = new AtomicInteger();

    private final RouteMeters routes;
    private final EndpointMeters endpoints;
    private final Counter reloadSuccess;
    private final Counter reloadFailure;
    private final Counter connectionsRefused;
    private final Counter poolWaits;
    private final Counter compressionLimited;
    /** One series per reason, made at the start: an alert on them sees 0 rather than no data. */
    private final Map<String, Counter> handshakeFailures = new HashMap<>();
    private final Map<ProxyProtocolFailure, Counter> proxyProtocolFailures = new EnumMap<>(ProxyProtocolFailure.class);
    private final Counter keySetFetched;
    private final Counter keySetNotFetched;

    /** A new registry with the proxy's meters, JVM and process meters and Netty direct-memory gauges. */
    public MicrometerObserver() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Filters first: Micrometer warns about one configured after a meter exists.
        registry.config().meterFilter(ProcessCpuSeconds.NANOSECONDS_COUNTER);
        routes = new RouteMeters(registry);
        endpoints = new EndpointMeters(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new ProcessCpuSeconds().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new NettyMemoryMetrics().bindTo(registry);

        Gauge.builder("rampart.active.connections", activeConnections, AtomicInteger::get)
                .description("Open client connections")
                .register(registry);
        connectionsRefused = Counter.builder("rampart.connections.refused")
                .description("Client connections closed as soon as accepted, because max-connections were open")
                .register(registry);
        compressionLimited = Counter.builder("rampart.compression.limited").description("Responses a route would"
                + " have compressed, sent as they came: server.max-compressed-responses were being compressed")
                .register(registry);
        poolWaits = Counter.builder("rampart.upstream.pool.waits")
                .description("Requests that waited for an upstream connection: their event loop's share of an"
                        + " endpoint's max-connections-per-endpoint was in use")
                .register(registry);
        for (HandshakeFailure reason : HandshakeFailure.ALL) {
            handshakeFailures.put(reason.label(), Counter.builder("rampart.tls.handshake.failures")
                    .description("Client TLS handshakes with the listener that failed, by why")
                    .tag("reason", reason.label())
                    .register(registry));
        }
        for (ProxyProtocolFailure why : ProxyProtocolFailure.values()) {
            proxyProtocolFailures.put(why, Counter.builder("rampart.proxy.protocol.failures")
                    .description("Client connections closed before their PROXY protocol header was read, by why")
                    .tag("reason", why.label())
                    .register(registry));
        }
        keySetFetched = keySetFetchCounter("success");
        keySetNotFetched = keySetFetchCounter("failure");
        // Both series exist from the start, so an alert on failures sees 0 rather than no data.
        reloadSuccess = reloadCounter("success");
        reloadFailure = reloadCounter("failure");
    }

    /**
     * {@code rampart_replay_buffer_memory_bytes}: what the replay buffers of all requests in flight hold
     * together, which {@code server.max-replay-memory} bounds. Read at scrape time only.
     */
    public void gaugeReplayMemory(java.util.function.LongSupplier held) {
        Gauge.builder("rampart.replay.buffer.memory", held, java.util.function.LongSupplier::getAsLong)
                .description("Request body bytes kept for replay by all requests in flight")
                .baseUnit(io.micrometer.core.instrument.binder.BaseUnits.BYTES)
                .strongReference(true) // a method reference nothing else holds: weakly held, it reads NaN
                .register(registry);
    }

    /**
     * {@code rampart_access_log_lines_dropped_total}: access-log lines dropped because the log's queue was
     * full (stdout slower than the requests), or lost because stdout could not be written at all (a closed
     * pipe), read from {@code queue} at scrape time. Queue drops are also told as a WARN, the failed stdout as
     * one ERROR. The queue is logback's, which holds it as long as logging runs.
     */
    public void countDroppedAccessLogLines(BatchingAsyncAppender queue) {
        io.micrometer.core.instrument.FunctionCounter.builder("rampart.access.log.lines.dropped", queue,
                        BatchingAsyncAppender::droppedCount)
                .description("Access-log lines dropped because the log's queue was full or stdout could not be written")
                .register(registry);
    }

    /** The registry, for the admin server's scrape and for meters other components add. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition (format 0.0.4) of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        routes.request(orNone(record.route()), normalizeMethod(record.method()), record.status(),
                orNone(record.reason()), record.durationNanos(), record.status() != SWITCHING_PROTOCOLS);
    }

    /**
     * Forgets the routes a reload removed (or renamed): their request, duration and retry series, so that
     * routes that come and go do not grow the scrape for ever, as {@link #removeEndpoint} does for endpoints.
     * The {@code none} series of requests no route matched stays.
     *
     * @param configured the names of the routes of the config now applied
     */
    public void retainRoutes(Set<String> configured) {
        routes.retain(configured, NONE);
    }

    @Override
    public void onAttempt(String upstream, String endpoint, String outcome) {
        endpoints.attempt(orNone(upstream), orNone(endpoint), orNone(outcome));
    }

    @Override
    public void onPoolWait() {
        poolWaits.increment();
    }

    @Override
    public void onCompressionLimited() {
        compressionLimited.increment();
    }

    @Override
    public void onRetry(String route, String cause) {
        routes.retry(orNone(route), orNone(cause));
    }

    @Override
    public void onRetrySkipped(String route, String why) {
        routes.retrySkipped(orNone(route), orNone(why));
    }

    @Override
    public void onClientConnection(int delta) {
        activeConnections.addAndGet(delta);
    }

    @Override
    public void onClientConnectionRefused() {
        connectionsRefused.increment();
    }

    @Override
    public void onClientTlsHandshakeFailed(String reason) {
        Counter counter = handshakeFailures.get(reason);
        (counter != null ? counter : handshakeFailures.get(HandshakeFailure.OTHER.label())).increment();
    }

    @Override
    public void onProxyProtocolFailed(ProxyProtocolFailure why) {
        proxyProtocolFailures.get(why).increment();
    }

    @Override
    public void onKeySetFetch(boolean succeeded) {
        (succeeded ? keySetFetched : keySetNotFetched).increment();
    }

    private Counter keySetFetchCounter(String result) {
        return Counter.builder("rampart.jwks.fetches")
                .description("Fetches of routes' jwt.jwks-uri key sets, by whether they brought keys the proxy took")
                .tag("result", result)
                .register(registry);
    }

    /**
     * An endpoint breaker changed state.
     *
     * @param toState {@code closed}, {@code half_open} or {@code open}; case and {@code -} are normalised
     */
    public void onBreakerTransition(String upstream, String endpoint, String toState) {
        endpoints.breakerTransition(orNone(upstream), orNone(endpoint), orNone(toState));
    }

    /** A config reload was applied ({@code true}) or refused ({@code false}). */
    public void onConfigReload(boolean success) {
        (success ? reloadSuccess : reloadFailure).increment();
    }

    /**
     * Publishes {@code rampart_circuit_breaker_state{upstream,endpoint}}, read from {@code state} at each
     * scrape (0 closed, 1 half-open, 2 open; see {@link #breakerStateValue}). Registering the same
     * endpoint again replaces the previous source, so a reload that builds new breakers is reflected.
     */
    public void registerBreakerState(String upstream, String endpoint, DoubleSupplier state) {
        endpoints.registerBreakerState(orNone(upstream), orNone(endpoint), state);
    }

    /**
     * Publishes {@code rampart_upstream_endpoint_healthy{upstream,endpoint}}, the active health check's
     * verdict read from {@code verdict} at each scrape (1 healthy, 0 unhealthy). Only endpoints under a
     * health check have it; registering again replaces the source.
     */
    public void registerEndpointHealth(String upstream, String endpoint, DoubleSupplier verdict) {
        endpoints.registerHealth(orNone(upstream), orNone(endpoint), verdict);
    }

    /** Drops an endpoint's health gauge, when its upstream no longer has a health check (or it is gone). */
    public void removeEndpointHealth(String upstream, String endpoint) {
        endpoints.removeHealth(orNone(upstream), orNone(endpoint));
    }

    /**
     * Forgets an endpoint that a reload removed: its breaker state and health gauges, its breaker transition counters
     * and its attempt counters, so endpoints that come and go do not grow the scrape forever. Attempts
     * still in flight that end afterwards are not counted, until a reload configures the endpoint again.
     */
    public void removeEndpoint(String upstream, String endpoint) {
        endpoints.remove(orNone(upstream), orNone(endpoint));
    }

    /** The gauge value of a breaker state name: 0 closed, 1 half-open, 2 open; -1 for anything else. */
    public static double breakerStateValue(String state) {
        switch (EndpointMeters.normalizeState(state)) {
            case "closed":
                return 0;
            case "half_open":
                return 1;
            case "open":
                return 2;
            default:
                return -1;
        }
    }

    /** Stops the GC listener and closes the registry. */
    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    /** The method as a label: one of the nine standard methods, else {@code OTHER}. */
    static String normalizeMethod(String method) {
        if (method == null) {
            return "OTHER";
        }
        switch (method) {
            case "GET":
            case "HEAD":
            case "POST":
            case "PUT":
            case "DELETE":
            case "PATCH":
            case "OPTIONS":
            case "TRACE":
            case "CONNECT":
                return method;
            default:
                return "OTHER";
        }
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }

    private Counter reloadCounter(String result) {
        return Counter.builder("rampart.config.reloads")
                .description("Config reloads by result")
                .tags("result", result)
                .register(registry);
    }
}
