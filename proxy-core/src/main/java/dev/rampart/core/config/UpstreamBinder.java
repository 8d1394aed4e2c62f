package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.net.Inet6Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Set;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Binds {@code rampart.upstreams}. The defaults live here, in code, because every upstream is an
 * entry under a name the operator chooses, and a reference.conf can only default fixed paths.
 */
final class UpstreamBinder {

    /** The JVM flag that makes every socket IPv4 (the README suggests it to keep the listeners to IPv4). */
    private static final String IPV4_STACK = "java.net.preferIPv4Stack";

    private UpstreamBinder() {
    }

    /** Upstreams by name in file order; an entry that is not an object is reported and left out. */
    static Map<String, UpstreamConfig> bindAll(ConfigSection upstreams) {
        Map<String, UpstreamConfig> bound = new LinkedHashMap<>();
        for (String name : upstreams.keys()) {
            ConfigValue value = upstreams.value(name);
            if (value == null) {
                continue;
            }
            String nameProblem = name.isEmpty() ? "a non-empty name" : NameText.problem(name);
            if (nameProblem != null) {
                upstreams.problem(name, "expected " + nameProblem);
            }
            ConfigSection.asSection(value, upstreams.path(name), upstreams.problems())
                    .ifPresent(s -> bound.put(name, bind(name, s)));
        }
        upstreams.finish();
        return bound;
    }

    private static UpstreamConfig bind(String name, ConfigSection s) {
        Map<EndpointAddress, Integer> weights = new HashMap<>();
        Set<EndpointAddress> backups = new HashSet<>();
        List<EndpointAddress> endpoints = endpoints(s, weights, backups);
        if (!endpoints.isEmpty() && backups.size() == endpoints.size()) {
            s.problem("endpoints", "every endpoint is a backup: a backup takes requests only when no other endpoint"
                    + " can, so at least one must not be");
        }
        LoadBalancing loadBalancing = s.choice("load-balancing", LoadBalancing.ROUND_ROBIN,
                LoadBalancing.values(), LoadBalancing::configName);
        Optional<ConsistentHashConfig> consistentHash = ConsistentHashBinder.bind(s, loadBalancing);
        Duration connectTimeout = s.duration("connect-timeout", Duration.ofSeconds(1));
        int maxConnectionsPerEndpoint = s.integer("max-connections-per-endpoint",
                UpstreamConfig.DEFAULT_MAX_CONNECTIONS_PER_ENDPOINT, 1, Integer.MAX_VALUE);
        Duration poolIdleTimeout = s.duration("pool-idle-timeout", Duration.ofSeconds(30));
        Duration poolMaxConnectionAge = s.durationOrZero("pool-max-connection-age", Duration.ofHours(1));
        int poolMaxRequests = s.integer("pool-max-requests-per-connection",
                UpstreamConfig.DEFAULT_POOL_MAX_REQUESTS_PER_CONNECTION, 0, Integer.MAX_VALUE);
        int maxConcurrentRequests = s.integer("max-concurrent-requests",
                UpstreamConfig.DEFAULT_MAX_CONCURRENT_REQUESTS, 1, Integer.MAX_VALUE);
        CircuitBreakerConfig circuitBreaker = circuitBreaker(s.section("circuit-breaker"));
        Optional<HealthCheckConfig> healthCheck = s.optionalSection("health-check").map(HealthCheckBinder::bind);
        UpstreamTlsConfig tls = s.optionalSection("tls").map(UpstreamBinder::tls).orElse(UpstreamTlsConfig.DEFAULT);
        Duration slowStart = s.durationOrZero("slow-start", Duration.ZERO);
        if (!slowStart.isZero() && loadBalancing == LoadBalancing.CONSISTENT_HASH) {
            // Envoy's slow start is for round robin and least request too: a key's endpoint is not a share to ramp.
            s.problem("slow-start", "is not read with load-balancing = consistent-hash: a key keeps its endpoint,"
                    + " there is no share to ramp up (leave it out, or use round-robin, least-request or random)");
            slowStart = Duration.ZERO;
        }
        if (tls.verifyHostname()) {
            for (EndpointAddress endpoint : endpoints) {
                if (endpoint.tls() && endpoint.host().indexOf('_') >= 0) {
                    // Java's TLS refuses to check a certificate against such a name (it is no host name by the
                    // rules it applies), so every handshake would fail: say so now, not as 502s.
                    s.problem("endpoints", endpoint + ": a name with '_' cannot be checked against the endpoint's"
                            + " certificate by Java's TLS; reach it by a name without '_' (a DNS or network alias),"
                            + " or set tls.verify-hostname = false");
                }
            }
        }
        s.finish();
        return new UpstreamConfig(name, endpoints, loadBalancing, connectTimeout, maxConnectionsPerEndpoint,
                poolIdleTimeout, poolMaxConnectionAge, poolMaxRequests, maxConcurrentRequests, circuitBreaker, healthCheck, tls, weights,
                consistentHash, slowStart, backups);
    }

    /**
     * A list, or one string of comma-separated endpoints. The string form exists for environment
     * variables: {@code endpoints = ${?RAMPART_UPSTREAM}} can replace the list, whereas an optional
     * substitution inside a list would leave the list empty when the variable is unset. An element of the list
     * may be an object, {@code { address = "host:port", weight = 3 }}, for an endpoint with a weight.
     */
    private static List<EndpointAddress> endpoints(ConfigSection s, Map<EndpointAddress, Integer> weights,
                                                   Set<EndpointAddress> backups) {
        ConfigValue raw = s.value("endpoints");
        if (raw != null && raw.valueType() == ConfigValueType.STRING) {
            List<ConfigValue> split = new ArrayList<>();
            for (String part : ((String) raw.unwrapped()).split(",", -1)) {
                split.add(ConfigValueFactory.fromAnyRef(part.trim()).withOrigin(raw.origin()));
            }
            return endpoints(s, raw, split, weights, backups);
        }
        Optional<List<ConfigValue>> values = s.list("endpoints");
        if (values.isEmpty()) {
            if (!s.has("endpoints")) {
                s.problem("endpoints", "missing (expected a list of host:port)");
            }
            return List.of();
        }
        return endpoints(s, raw, values.get(), weights, backups);
    }

    private static List<EndpointAddress> endpoints(ConfigSection s, ConfigValue raw, List<ConfigValue> values,
                                                   Map<EndpointAddress, Integer> weights,
                                                   Set<EndpointAddress> backups) {
        if (values.isEmpty()) {
            ValueReader.mismatch(s.path("endpoints"), "at least one endpoint", raw, s.problems());
            return List.of();
        }
        List<EndpointAddress> endpoints = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            ConfigValue value = values.get(i);
            String path = s.path("endpoints") + "[" + i + "]";
            int weight = 1;
            boolean backup = false;
            if (value.valueType() == ConfigValueType.OBJECT) {
                ConfigSection weighted = ConfigSection.asSection(value, path, s.problems()).orElseThrow();
                weight = weighted.integer("weight", 1, 1, UpstreamConfig.MAX_WEIGHT);
                backup = weighted.bool("backup", false);
                if (!weighted.has("address")) {
                    weighted.problem("address", "missing (expected host:port, as in { address = \"10.0.0.1:8080\","
                            + " weight = 2 })");
                }
                value = weighted.value("address");
                path = weighted.path("address");
                weighted.finish();
                if (value == null) {
                    continue;
                }
            }
            String text = ValueReader.string(value, path, s.problems());
            if (text == null) {
                continue;
            }
            try {
                EndpointAddress endpoint = EndpointAddress.parse(text);
                Integer first = seen.putIfAbsent(endpoint.identity(), i);
                if (endpoint.ipv6Address() instanceof Inet6Address && Boolean.getBoolean(IPV4_STACK)) {
                    // Every socket is IPv4 then: epoll fails each connect, io_uring reaches the address's last
                    // four bytes as an IPv4 address, another host.
                    s.problems().add(path, "endpoint " + text.trim() + " is an IPv6 address, which this process"
                            + " cannot reach: it runs with -D" + IPV4_STACK + "=true, which opens IPv4 sockets only"
                            + " (drop the flag, or name the endpoint by an IPv4 address)", value.origin());
                } else if (first != null) {
                    s.problems().add(path, "duplicate endpoint " + text.trim() + " (also endpoints[" + first + "])",
                            value.origin());
                } else {
                    endpoints.add(endpoint);
                    if (weight != 1) {
                        weights.put(endpoint, weight);
                    }
                    if (backup) {
                        backups.add(endpoint);
                    }
                }
            } catch (IllegalArgumentException e) {
                s.problems().add(path, e.getMessage(), value.origin());
            }
        }
        return endpoints;
    }

    private static CircuitBreakerConfig circuitBreaker(ConfigSection s) {
        boolean enabled = s.bool("enabled", true);
        Duration window = s.duration("window", Duration.ofSeconds(10));
        int minimumCalls = s.integer("minimum-calls", 20, 1, Integer.MAX_VALUE);
        double failureRateThreshold = s.percent("failure-rate-threshold", 50);
        int consecutiveFailures = s.integer("consecutive-failures", 5, 0, Integer.MAX_VALUE);
        Duration slowCallDuration = s.durationOrZero("slow-call-duration", Duration.ZERO);
        double slowCallRateThreshold = s.percent("slow-call-rate-threshold", 100);
        Duration openDuration = s.duration("open-duration", Duration.ofSeconds(5));
        Duration maxOpenDuration = s.duration("max-open-duration", Duration.ofSeconds(60));
        int halfOpenProbes = s.integer("half-open-probes", 3, 1, Integer.MAX_VALUE);
        boolean halfOpenOnHealthCheck = s.bool("half-open-on-health-check", true);
        if (maxOpenDuration.compareTo(openDuration) < 0) {
            // Blame the key the operator wrote; with both written, the cap is the one that looks wrong.
            if (s.has("max-open-duration")) {
                ValueReader.mismatch(s.path("max-open-duration"), "a duration >= open-duration ("
                        + ConfigUnits.duration(openDuration) + ")", s.value("max-open-duration"), s.problems());
            } else {
                ValueReader.mismatch(s.path("open-duration"), "a duration <= max-open-duration ("
                        + ConfigUnits.duration(maxOpenDuration) + ")", s.value("open-duration"), s.problems());
            }
        }
        s.finish();
        return new CircuitBreakerConfig(enabled, window, minimumCalls, failureRateThreshold, consecutiveFailures,
                slowCallDuration, slowCallRateThreshold, openDuration, maxOpenDuration, halfOpenProbes,
                halfOpenOnHealthCheck);
    }

    /**
     * The trust file, and a client certificate with its key, are read now, so a typo or a damaged file fails
     * {@code --check} rather than every handshake.
     */
    private static UpstreamTlsConfig tls(ConfigSection s) {
        Optional<java.nio.file.Path> trust = Optional.empty();
        if (s.has("trust-cert-chain")) {
            trust = Optional.of(RampartBinder.trustFile(s));
        }
        boolean verifyHostname = s.bool("verify-hostname", true);
        // Both or neither, as nginx's proxy_ssl_certificate needs its _key: a chain alone would be sent with
        // no key to prove it, a key alone has nothing to show.
        Optional<TlsConfig> client = s.has("cert-chain") || s.has("private-key")
                ? Optional.of(RampartBinder.certificateAndKey(s)) : Optional.empty();
        TlsHandshakeConfig handshake = TlsHandshakeBinder.bind(s);
        s.finish();
        return new UpstreamTlsConfig(trust, verifyHostname, client, handshake);
    }
}
