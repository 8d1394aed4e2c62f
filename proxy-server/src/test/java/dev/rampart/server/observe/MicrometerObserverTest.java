package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyProtocolFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Asserts on the Prometheus text itself: the names and labels are a published contract (PRODUCT.md §3.5). */
class MicrometerObserverTest {

    private static final String EP = "127.0.0.1:8081";

    private final MicrometerObserver observer = new MicrometerObserver();

    @AfterEach
    void close() {
        observer.close();
    }

    @Test
    void requestsAreCountedByRouteMethodStatusAndReason() {
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 3_000_000));
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 3_000_000));
        observer.onExchangeComplete(exchange("POST", 503, "CIRCUIT_OPEN", "default", 1_000_000));
        observer.onExchangeComplete(exchange("GET", 404, "ROUTE_NOT_FOUND", null, 100_000));
        observer.onExchangeComplete(exchange("GET", 499, "CLIENT_CLOSED", "default", 1_000_000));

        String scrape = observer.scrape();
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"default\",status=\"200\"} 2.0");
        assertLine(scrape, "rampart_requests_total{method=\"POST\",reason=\"CIRCUIT_OPEN\",route=\"default\",status=\"503\"} 1.0");
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"ROUTE_NOT_FOUND\",route=\"none\",status=\"404\"} 1.0");
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"CLIENT_CLOSED\",route=\"default\",status=\"499\"} 1.0");
    }

    @Test
    void methodsOutsideTheStandardSetShareOneLabel() {
        for (String method : new String[] {"PROPFIND", "BREW", "get", "X".repeat(100)}) {
            observer.onExchangeComplete(exchange(method, 200, null, "default", 1_000_000));
        }
        for (String method : new String[] {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}) {
            observer.onExchangeComplete(exchange(method, 200, null, "default", 1_000_000));
            assertLine(observer.scrape(), "rampart_requests_total{method=\"" + method
                    + "\",reason=\"none\",route=\"default\",status=\"200\"} 1.0");
        }
        assertLine(observer.scrape(), "rampart_requests_total{method=\"OTHER\",reason=\"none\",route=\"default\",status=\"200\"} 4.0");
    }

    @Test
    void durationIsAHistogramWithFixedBucketsPerRoute() {
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 3_000_000));   // 3 ms
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 700_000_000)); // 700 ms
        observer.onExchangeComplete(exchange("GET", 404, "ROUTE_NOT_FOUND", null, 200_000));

        String scrape = observer.scrape();
        assertLine(scrape, "# TYPE rampart_request_duration_seconds histogram");
        String[] bounds = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0",
                "2.5", "5.0", "10.0", "30.0", "+Inf"};
        int[] counts = {0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2};
        for (int i = 0; i < bounds.length; i++) {
            assertLine(scrape, "rampart_request_duration_seconds_bucket{route=\"default\",le=\"" + bounds[i] + "\"} " + counts[i]);
        }
        assertLine(scrape, "rampart_request_duration_seconds_count{route=\"default\"} 2");
        assertLine(scrape, "rampart_request_duration_seconds_sum{route=\"default\"} 0.703");
        assertLine(scrape, "rampart_request_duration_seconds_bucket{route=\"none\",le=\"0.001\"} 1");
        assertEquals(bounds.length * 2L, scrape.lines().filter(l -> l.startsWith("rampart_request_duration_seconds_bucket")).count(),
                "exactly the fixed buckets, for two routes");
        assertFalse(scrape.contains("quantile="), "no client-side percentiles");
    }

    @Test
    void aWebSocketExchangeIsCountedButKeptOutOfTheLatencyHistogram() {
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 3_000_000));
        observer.onExchangeComplete(exchange("GET", 101, null, "default", 600_000_000_000L)); // a 10-minute tunnel

        String scrape = observer.scrape();
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"default\",status=\"101\"} 1.0");
        assertLine(scrape, "rampart_request_duration_seconds_count{route=\"default\"} 1");
        assertLine(scrape, "rampart_request_duration_seconds_bucket{route=\"default\",le=\"+Inf\"} 1");
    }

    @Test
    void attemptsRetriesAndSkippedRetriesHaveTheirLabels() {
        observer.onAttempt("app", EP, "connect_refused");
        observer.onAttempt("app", EP, "success");
        observer.onAttempt("app", EP, "success");
        observer.onRetry("default", "connect-failure");
        observer.onRetrySkipped("default", "budget");
        observer.onRetrySkipped("default", "budget");

        String scrape = observer.scrape();
        assertLine(scrape, "rampart_upstream_attempts_total{endpoint=\"" + EP + "\",outcome=\"connect_refused\",upstream=\"app\"} 1.0");
        assertLine(scrape, "rampart_upstream_attempts_total{endpoint=\"" + EP + "\",outcome=\"success\",upstream=\"app\"} 2.0");
        assertLine(scrape, "rampart_retries_total{cause=\"connect-failure\",route=\"default\"} 1.0");
        assertLine(scrape, "rampart_retries_skipped_total{route=\"default\",why=\"budget\"} 2.0");
    }

    @Test
    void activeConnectionsFollowOpensAndCloses() {
        observer.onClientConnection(1);
        observer.onClientConnection(1);
        observer.onClientConnection(1);
        observer.onClientConnection(-1);
        assertLine(observer.scrape(), "rampart_active_connections 2.0");
    }

    @Test
    void refusedConnectionsAreCountedFromZero() {
        assertLine(observer.scrape(), "rampart_connections_refused_total 0.0");
        observer.onClientConnectionRefused();
        assertLine(observer.scrape(), "rampart_connections_refused_total 1.0");
    }

    @Test
    void responsesSentUncompressedForWantOfASlotAreCountedFromZero() {
        assertLine(observer.scrape(), "rampart_compression_limited_total 0.0");
        observer.onCompressionLimited();
        assertLine(observer.scrape(), "rampart_compression_limited_total 1.0");
    }

    @Test
    void poolWaitsAreCountedFromZero() {
        assertLine(observer.scrape(), "rampart_upstream_pool_waits_total 0.0");
        observer.onPoolWait();
        observer.onPoolWait();
        assertLine(observer.scrape(), "rampart_upstream_pool_waits_total 2.0");
    }

    @Test
    void failedClientHandshakesAreCountedByWhyFromZero() {
        assertLine(observer.scrape(), "rampart_tls_handshake_failures_total{reason=\"no_client_certificate\"} 0.0");
        assertLine(observer.scrape(), "rampart_tls_handshake_failures_total{reason=\"closed\"} 0.0");
        assertLine(observer.scrape(), "rampart_tls_handshake_failures_total{reason=\"untrusted_listener_certificate\"} 0.0");
        observer.onClientTlsHandshakeFailed("no_client_certificate");
        observer.onClientTlsHandshakeFailed("no_client_certificate");
        observer.onClientTlsHandshakeFailed("something new");
        assertLine(observer.scrape(), "rampart_tls_handshake_failures_total{reason=\"no_client_certificate\"} 2.0");
        assertLine(observer.scrape(), "rampart_tls_handshake_failures_total{reason=\"other\"} 1.0");
    }

    @Test
    void connectionsWithoutAProxyProtocolHeaderAreCountedByWhyFromZero() {
        for (ProxyProtocolFailure why : ProxyProtocolFailure.values()) {
            assertLine(observer.scrape(), "rampart_proxy_protocol_failures_total{reason=\"" + why.label() + "\"} 0.0");
        }
        observer.onProxyProtocolFailed(ProxyProtocolFailure.MALFORMED);
        observer.onProxyProtocolFailed(ProxyProtocolFailure.MALFORMED);
        observer.onProxyProtocolFailed(ProxyProtocolFailure.TIMEOUT);
        assertLine(observer.scrape(), "rampart_proxy_protocol_failures_total{reason=\"malformed\"} 2.0");
        assertLine(observer.scrape(), "rampart_proxy_protocol_failures_total{reason=\"timeout\"} 1.0");
        assertLine(observer.scrape(), "rampart_proxy_protocol_failures_total{reason=\"closed\"} 0.0");
    }

    @Test
    void keySetFetchesAreCountedByResultFromZero() {
        assertLine(observer.scrape(), "rampart_jwks_fetches_total{result=\"failure\"} 0.0");
        observer.onKeySetFetch(false);
        observer.onKeySetFetch(false);
        observer.onKeySetFetch(true);
        assertLine(observer.scrape(), "rampart_jwks_fetches_total{result=\"failure\"} 2.0");
        assertLine(observer.scrape(), "rampart_jwks_fetches_total{result=\"success\"} 1.0");
    }

    @Test
    void breakerTransitionsAreCountedWithANormalisedTargetState() {
        observer.onBreakerTransition("app", EP, "OPEN");
        observer.onBreakerTransition("app", EP, "half-open");
        observer.onBreakerTransition("app", EP, "closed");
        observer.onBreakerTransition("app", EP, "open");

        String scrape = observer.scrape();
        assertLine(scrape, "rampart_circuit_breaker_transitions_total{endpoint=\"" + EP + "\",to=\"open\",upstream=\"app\"} 2.0");
        assertLine(scrape, "rampart_circuit_breaker_transitions_total{endpoint=\"" + EP + "\",to=\"half_open\",upstream=\"app\"} 1.0");
        assertLine(scrape, "rampart_circuit_breaker_transitions_total{endpoint=\"" + EP + "\",to=\"closed\",upstream=\"app\"} 1.0");
    }

    @Test
    void breakerStateGaugeReadsItsSourceAtScrapeTimeAndCanBeReplacedOrRemoved() {
        AtomicInteger state = new AtomicInteger(0);
        observer.registerBreakerState("app", EP, state::get);
        observer.registerBreakerState("app", "127.0.0.1:8082", () -> MicrometerObserver.breakerStateValue("half_open"));
        assertLine(observer.scrape(), "rampart_circuit_breaker_state{endpoint=\"" + EP + "\",upstream=\"app\"} 0.0");

        state.set(2);
        assertLine(observer.scrape(), "rampart_circuit_breaker_state{endpoint=\"" + EP + "\",upstream=\"app\"} 2.0");

        observer.registerBreakerState("app", EP, () -> 1);
        assertLine(observer.scrape(), "rampart_circuit_breaker_state{endpoint=\"" + EP + "\",upstream=\"app\"} 1.0");

        observer.onAttempt("app", EP, "success");
        observer.onBreakerTransition("app", EP, "open");
        observer.removeEndpoint("app", EP);
        String scrape = observer.scrape();
        assertFalse(scrape.contains("endpoint=\"" + EP + "\""), "every series of the removed endpoint is gone");
        assertLine(scrape, "rampart_circuit_breaker_state{endpoint=\"127.0.0.1:8082\",upstream=\"app\"} 1.0");
    }

    @Test
    void anAttemptEndingAfterItsEndpointWasRemovedDoesNotBringItsSeriesBack() {
        observer.registerBreakerState("app", EP, () -> 0);
        observer.onAttempt("app", EP, "success");
        observer.removeEndpoint("app", EP);

        observer.onAttempt("app", EP, "success"); // in flight at the reload that removed the endpoint
        observer.onBreakerTransition("app", EP, "open");

        assertFalse(observer.scrape().contains("endpoint=\"" + EP + "\""), "nothing would ever remove it again");

        observer.registerBreakerState("app", EP, () -> 0); // a later reload configures it again
        observer.onAttempt("app", EP, "success");

        assertLine(observer.scrape(),
                "rampart_upstream_attempts_total{endpoint=\"" + EP + "\",outcome=\"success\",upstream=\"app\"} 1.0");
    }

    @Test
    void aReloadThatRemovesARouteRemovesItsSeriesAndKeepsTheOthers() {
        for (String route : new String[] {"old", "kept", null}) {
            observer.onExchangeComplete(exchange("GET", 200, null, route, 1_000_000));
            observer.onRetry(route, "reset");
            observer.onRetrySkipped(route, "budget");
        }

        observer.retainRoutes(Set.of("kept", "new"));

        String scrape = observer.scrape();
        assertFalse(scrape.contains("route=\"old\""), "every series of the removed route is gone: " + scrape);
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"kept\",status=\"200\"} 1.0");
        assertLine(scrape, "rampart_retries_total{cause=\"reset\",route=\"kept\"} 1.0");
        assertLine(scrape, "rampart_retries_skipped_total{route=\"kept\",why=\"budget\"} 1.0");
        assertLine(scrape, "rampart_request_duration_seconds_count{route=\"kept\"} 1");
        assertLine(scrape, "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"none\",status=\"200\"} 1.0");
    }

    @Test
    void aRequestEndingAfterItsRouteWasRemovedDoesNotBringItsSeriesBack() {
        observer.onExchangeComplete(exchange("GET", 200, null, "old", 1_000_000));
        observer.retainRoutes(Set.of("other"));

        observer.onExchangeComplete(exchange("GET", 200, null, "old", 1_000_000)); // in flight at the reload
        observer.onRetry("old", "reset");
        observer.onRetrySkipped("old", "deadline");
        assertFalse(observer.scrape().contains("route=\"old\""), "nothing would ever remove it again");

        observer.retainRoutes(Set.of("old", "other")); // a later reload configures it again
        observer.onExchangeComplete(exchange("GET", 200, null, "old", 1_000_000));
        assertLine(observer.scrape(), "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"old\",status=\"200\"} 1.0");
    }

    @Test
    void aRouteRemovedBeforeItsFirstRequestEndedGetsNoSeriesFromThatRequest() {
        observer.retainRoutes(Set.of("quiet", "other")); // the first config: "quiet" has had no request yet
        observer.retainRoutes(Set.of("other")); // a reload removes it while its first request is in flight

        observer.onExchangeComplete(exchange("GET", 200, null, "quiet", 1_000_000));
        observer.onRetry("quiet", "reset");
        assertFalse(observer.scrape().contains("route=\"quiet\""), "nothing would ever remove it again");
    }

    @Test
    void endpointHealthGaugeReadsItsVerdictAtScrapeTimeAndGoesWithItsCheckOrEndpoint() {
        AtomicInteger verdict = new AtomicInteger(1);
        observer.registerEndpointHealth("app", EP, verdict::get);
        observer.registerEndpointHealth("app", "127.0.0.1:8082", () -> 1);
        assertLine(observer.scrape(), "rampart_upstream_endpoint_healthy{endpoint=\"" + EP + "\",upstream=\"app\"} 1.0");

        verdict.set(0);
        assertLine(observer.scrape(), "rampart_upstream_endpoint_healthy{endpoint=\"" + EP + "\",upstream=\"app\"} 0.0");

        observer.removeEndpointHealth("app", EP);
        assertFalse(observer.scrape().contains("rampart_upstream_endpoint_healthy{endpoint=\"" + EP + "\""),
                "a check removed by a reload takes its gauge with it");
        observer.removeEndpoint("app", "127.0.0.1:8082");
        assertFalse(observer.scrape().contains("rampart_upstream_endpoint_healthy{"), "so does a removed endpoint");
    }

    @Test
    void breakerStateValuesAreZeroOneTwo() {
        assertEquals(0, MicrometerObserver.breakerStateValue("CLOSED"));
        assertEquals(1, MicrometerObserver.breakerStateValue("HALF_OPEN"));
        assertEquals(1, MicrometerObserver.breakerStateValue("half-open"));
        assertEquals(2, MicrometerObserver.breakerStateValue("open"));
        assertEquals(-1, MicrometerObserver.breakerStateValue("forced"));
    }

    @Test
    void configReloadsAreCountedByResultAndBothSeriesStartAtZero() {
        assertLine(observer.scrape(), "rampart_config_reloads_total{result=\"success\"} 0.0");
        assertLine(observer.scrape(), "rampart_config_reloads_total{result=\"failure\"} 0.0");
        observer.onConfigReload(true);
        observer.onConfigReload(false);
        observer.onConfigReload(false);
        assertLine(observer.scrape(), "rampart_config_reloads_total{result=\"success\"} 1.0");
        assertLine(observer.scrape(), "rampart_config_reloads_total{result=\"failure\"} 2.0");
    }

    @Test
    void jvmProcessAndNettyMemoryGaugesArePublished() {
        String scrape = observer.scrape();
        for (String prefix : new String[] {"jvm_memory_used_bytes{", "jvm_threads_live_threads ", "jvm_gc_memory_allocated_bytes_total ",
                "system_cpu_count ", "process_uptime_seconds ", "rampart_netty_direct_memory_bytes ",
                "rampart_netty_direct_memory_max_bytes ", "rampart_netty_pooled_direct_memory_bytes "}) {
            assertTrue(scrape.lines().anyMatch(l -> l.startsWith(prefix)), "missing " + prefix + "in\n" + scrape);
        }
    }

    @Test
    void rampartMetricNamesAreExactlyThePublishedOnes() {
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 1_000_000));
        observer.onAttempt("app", EP, "success");
        observer.onRetry("default", "reset");
        observer.onRetrySkipped("default", "method");
        observer.onBreakerTransition("app", EP, "open");
        observer.registerBreakerState("app", EP, () -> 2);

        Set<String> names = observer.scrape().lines()
                .filter(l -> l.startsWith("# TYPE rampart_"))
                .map(l -> l.split(" ")[2])
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Arrays.asList(
                "rampart_active_connections",
                "rampart_circuit_breaker_state",
                "rampart_circuit_breaker_transitions_total",
                "rampart_compression_limited_total",
                "rampart_config_reloads_total",
                "rampart_connections_refused_total",
                "rampart_jwks_fetches_total",
                "rampart_netty_direct_memory_bytes",
                "rampart_netty_direct_memory_max_bytes",
                "rampart_netty_pooled_direct_memory_bytes",
                "rampart_proxy_protocol_failures_total",
                "rampart_request_duration_seconds",
                "rampart_request_duration_seconds_max",
                "rampart_requests_total",
                "rampart_retries_skipped_total",
                "rampart_retries_total",
                "rampart_tls_handshake_failures_total",
                "rampart_upstream_attempts_total",
                "rampart_upstream_pool_waits_total")), names);
    }

    @Test
    void repeatedLabelCombinationsReuseTheirMeters() {
        observer.onExchangeComplete(exchange("GET", 200, null, "default", 1_000_000));
        observer.onAttempt("app", EP, "success");
        long meters = rampartMeters();
        for (int i = 0; i < 1000; i++) {
            observer.onExchangeComplete(exchange("GET", 200, null, "default", 1_000_000));
            observer.onAttempt("app", EP, "success");
        }
        assertEquals(meters, rampartMeters(), "JVM meters may come and go, the proxy's must not");
        assertLine(observer.scrape(), "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"default\",status=\"200\"} 1001.0");
    }

    private long rampartMeters() {
        return observer.registry().getMeters().stream().filter(m -> m.getId().getName().startsWith("rampart.")).count();
    }

    private static ExchangeRecord exchange(String method, int status, String reason, String route, long durationNanos) {
        return new ExchangeRecord(1_700_000_000_000L, "req-1", "10.0.0.1", method, "/orders", status, reason, route,
                route == null ? null : "app", route == null ? null : EP, route == null ? 0 : 1, 0, 12,
                durationNanos, -1);
    }

    private static void assertLine(String scrape, String line) {
        assertTrue(scrape.lines().anyMatch(line::equals), () -> "no line\n  " + line + "\nin\n"
                + scrape.lines().filter(l -> l.startsWith(line.substring(0, Math.min(20, line.length()))))
                .collect(Collectors.joining("\n")));
    }
}
