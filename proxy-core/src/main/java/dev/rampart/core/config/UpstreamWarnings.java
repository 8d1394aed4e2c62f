package dev.rampart.core.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The upstream settings {@code --check} warns about: valid, but probably not what the operator meant (no
 * breaker, requests that queue for connections, probes that load or misjudge the endpoints, an endpoint that
 * is this proxy itself). Part of {@link ConfigWarnings}, which lists them after the routes' warnings.
 */
final class UpstreamWarnings {

    /** Below this interval probes come many times a second to every endpoint. */
    private static final Duration SHORTEST_USUAL_PROBE_INTERVAL = Duration.ofMillis(100);
    /** Below this timeout a probe of an endpoint on another machine fails while the endpoint is fine. */
    private static final Duration SHORTEST_USUAL_PROBE_TIMEOUT = Duration.ofMillis(10);

    private UpstreamWarnings() {
    }

    /** Each upstream's warnings, in configuration order. */
    static void add(RampartConfig config, List<String> warnings) {
        for (Map.Entry<String, UpstreamConfig> e : config.upstreams().entrySet()) {
            upstreamWarnings(e.getKey(), e.getValue(), warnings);
            selfWarnings(e.getKey(), e.getValue(), config, warnings);
        }
    }

    private static void upstreamWarnings(String name, UpstreamConfig upstream, List<String> warnings) {
        String u = "upstream \"" + name + "\": ";
        if (!upstream.circuitBreaker().enabled()) {
            warnings.add(u + "circuit-breaker.enabled = false; a failing endpoint keeps receiving full traffic");
        }
        long connections = (long) upstream.maxConnectionsPerEndpoint() * upstream.endpoints().size();
        // The defaults (1024 and 512) give a single endpoint this shape on purpose: a minimal config is
        // warned of nothing it did not choose (docs/configuration.md says what the defaults do).
        boolean defaults = upstream.maxConcurrentRequests() == UpstreamConfig.DEFAULT_MAX_CONCURRENT_REQUESTS
                && upstream.maxConnectionsPerEndpoint() == UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT;
        if (connections < upstream.maxConcurrentRequests() && !defaults) {
            warnings.add(u + "max-concurrent-requests (" + upstream.maxConcurrentRequests()
                    + ") > max-connections-per-endpoint x endpoints (" + connections + "); requests beyond "
                    + connections + " wait for a connection instead of failing fast with UPSTREAM_OVERLOADED");
        }
        upstream.healthCheck().ifPresent(check -> healthCheckWarnings(u, check, warnings));
    }

    /**
     * Probe settings that are valid but load the endpoints or make their verdict flap: each probe is a new
     * connection, so a very short interval opens thousands a second to every endpoint (1ns did, in an
     * exploration), and a timeout shorter than a round trip fails probes of a healthy endpoint.
     */
    private static void healthCheckWarnings(String u, HealthCheckConfig check, List<String> warnings) {
        if (check.interval().compareTo(SHORTEST_USUAL_PROBE_INTERVAL) < 0) {
            warnings.add(u + "health-check.interval = " + ConfigUnits.duration(check.interval())
                    + "; every endpoint gets a probe that often after the last one ends"
                    + " (nginx Plus and HAProxy default to 5s and 2s)");
        }
        if (check.timeout().compareTo(SHORTEST_USUAL_PROBE_TIMEOUT) < 0) {
            warnings.add(u + "health-check.timeout = " + ConfigUnits.duration(check.timeout())
                    + "; a probe that takes longer fails, so a healthy endpoint beyond loopback keeps leaving rotation");
        }
    }

    /**
     * An endpoint that is this proxy's own listener or admin port (on a loopback address, or the listener's
     * own host): each request comes back to the proxy as a new one, until the connection pool or the route
     * deadline stops the loop.
     */
    private static void selfWarnings(String name, UpstreamConfig upstream, RampartConfig config, List<String> warnings) {
        for (EndpointAddress endpoint : upstream.endpoints()) {
            if (config.server().port() != 0 && endpoint.port() == config.server().port()
                    && reaches(endpoint.host(), config.server().host())) {
                warnings.add("upstream \"" + name + "\": endpoint " + endpoint.authority() + " is this proxy's own"
                        + " listener; every request to it comes back as a new request (a loop)");
            } else if (config.admin().port() != 0 && endpoint.port() == config.admin().port()
                    && reaches(endpoint.host(), config.admin().host())) {
                warnings.add("upstream \"" + name + "\": endpoint " + endpoint.authority() + " is this proxy's admin"
                        + " port; clients of this upstream's routes reach /admin and /metrics");
            }
        }
    }

    /**
     * Whether connecting to {@code endpointHost} reaches a listener bound to {@code listenerHost} on the same
     * port, as far as can be told without resolving names: the same host; a loopback endpoint and a
     * listener on every address; or {@code localhost} and a loopback listener. A listener on one address
     * (a pod's, say) with the application on loopback at the same port is the sidecar layout, not a loop.
     */
    private static boolean reaches(String endpointHost, String listenerHost) {
        byte[] endpoint = ConfigWarnings.literalAddress(endpointHost);
        byte[] listener = ConfigWarnings.literalAddress(listenerHost);
        boolean everyAddress = listener != null && isUnspecified(listener);
        return endpointHost.equalsIgnoreCase(listenerHost)
                || endpoint != null && Arrays.equals(endpoint, listener) // one address, written two ways
                // a connect to 0.0.0.0 or :: reaches this host, as a loopback address does
                || everyAddress && (ConfigWarnings.isLoopback(endpointHost) || endpoint != null && isUnspecified(endpoint))
                || endpointHost.equalsIgnoreCase("localhost") && ConfigWarnings.isLoopback(listenerHost);
    }

    private static boolean isUnspecified(byte[] address) {
        for (byte b : address) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
