package dev.rampart.core.config;

import dev.rampart.core.config.RenderTree.Arr;
import dev.rampart.core.config.RenderTree.Node;
import dev.rampart.core.config.RenderTree.Obj;
import dev.rampart.core.config.RenderTree.Token;

import java.util.ArrayList;
import java.util.List;

import static dev.rampart.core.config.RenderValues.bool;
import static dev.rampart.core.config.RenderValues.decimal;
import static dev.rampart.core.config.RenderValues.duration;
import static dev.rampart.core.config.RenderValues.hashKey;
import static dev.rampart.core.config.RenderValues.healthCheck;
import static dev.rampart.core.config.RenderValues.methods;
import static dev.rampart.core.config.RenderValues.num;
import static dev.rampart.core.config.RenderValues.ranges;
import static dev.rampart.core.config.RenderValues.size;
import static dev.rampart.core.config.RenderValues.str;
import static dev.rampart.core.config.RenderValues.tokens;

/**
 * Shows a config with every default filled in, under the same key names as the file, so an
 * operator sees what will actually run. The HOCON form ({@link #render}) is what {@code --check}
 * prints, and parses back to an equal {@link RampartConfig}; the JSON form ({@link #renderJson}) is
 * what {@code /admin/routes} serves.
 *
 * <p>Redaction: the JSON form is served over the network, so the expected value of a match header
 * whose name suggests a credential (it contains {@code auth}, {@code cookie}, {@code token}, {@code key},
 * {@code pass}, {@code session}, {@code sig} and the like: see {@code RouteRenderer.SECRET_PARTS}) is replaced by
 * {@value #REDACTED}, and so is the query of a {@code jwks-uri} or of a health check's {@code path}
 * ({@code /healthz?token=...}): see {@code UriRedaction}.
 * TLS paths are shown in both: a path is not a secret, and the key file itself is never read here.
 */
public final class EffectiveConfigRenderer {

    /** What replaces a redacted value in the JSON form. */
    public static final String REDACTED = "<redacted>";

    private EffectiveConfigRenderer() {
    }

    /** The effective config as HOCON text. */
    public static String render(RampartConfig config) {
        return "# Effective configuration: every default filled in.\n" + RenderTree.hocon(tree(config, false));
    }

    /** The effective config as a JSON document, with credential-like header match values redacted. */
    public static String renderJson(RampartConfig config) {
        return RenderTree.json(tree(config, true));
    }

    private static Obj tree(RampartConfig c, boolean redact) {
        Obj rampart = new Obj()
                .put("server", server(c.server()))
                .put("admin", new Obj().put("host", str(c.admin().host())).put("port", num(c.admin().port())))
                .put("request-id", new Obj()
                        .put("header", str(c.requestId().header()))
                        .put("trust-incoming", bool(c.requestId().trustIncoming())))
                .put("access-log", new Obj().put("enabled", bool(c.accessLog().enabled())));
        Obj upstreams = new Obj();
        c.upstreams().forEach((name, u) -> upstreams.put(name, upstream(u, redact)));
        rampart.put("upstreams", upstreams);
        if (!c.rateLimits().isEmpty()) {
            Obj rateLimits = new Obj();
            c.rateLimits().forEach((name, limit) -> rateLimits.put(name, RouteRenderer.rateLimit(limit)));
            rampart.put("rate-limits", rateLimits);
        }
        List<Node> routes = new ArrayList<>();
        c.routes().forEach(r -> routes.add(RouteRenderer.route(r, redact)));
        rampart.put("routes", new Arr(routes));
        return new Obj().put("rampart", rampart);
    }

    private static Obj listenerTls(ServerTlsConfig tls) {
        Obj o = new Obj()
                .put("cert-chain", str(tls.certChain().toString()))
                .put("private-key", str(tls.privateKey().toString()), "a path; the key is never printed")
                .put("client-auth", new Token(tls.clientAuth().name().toLowerCase(java.util.Locale.ROOT)));
        tls.trustCertChain().ifPresent(trust -> o.put("trust-cert-chain", str(trust.toString())));
        return handshake(tls.handshake(), o);
    }

    private static Obj handshake(TlsHandshakeConfig handshake, Obj o) {
        if (handshake.protocols().isEmpty()) {
            o.note("no protocols: the JVM's TLS versions");
        } else {
            o.put("protocols", tokens(handshake.protocols()));
        }
        if (handshake.ciphers().isEmpty()) {
            o.note("no ciphers: the JVM's cipher suites");
        } else {
            o.put("ciphers", tokens(handshake.ciphers()));
        }
        return o;
    }

    private static Obj server(ServerConfig s) {
        Obj o = new Obj().put("host", str(s.host())).put("port", num(s.port()));
        s.tls().ifPresentOrElse(
                tls -> o.put("tls", listenerTls(tls)),
                () -> o.note("no tls: plain HTTP"));
        Obj server = o.put("max-connections", num(s.maxConnections()))
                .put("idle-timeout", duration(s.idleTimeout()))
                .put("request-header-timeout", duration(s.requestHeaderTimeout()))
                .put("request-body-timeout", duration(s.requestBodyTimeout()))
                .put("max-initial-line", size(s.maxInitialLine()))
                .put("max-header-size", size(s.maxHeaderSize()))
                .put("max-header-count", num(s.maxHeaderCount()))
                .put("max-request-body", size(s.maxRequestBody()))
                .put("shutdown-grace", duration(s.shutdownGrace()))
                .put("lingering-timeout", duration(s.lingeringTimeout()))
                .put("lingering-time", duration(s.lingeringTime()))
                .put("max-replay-memory", s.maxReplayMemory() == ServerConfig.AUTO_REPLAY_MEMORY
                        ? str("auto") : size(s.maxReplayMemory()))
                .put("max-compressed-responses", num(s.maxCompressedResponses()),
                        s.maxCompressedResponses() == 0 ? "no response is compressed" : null)
                .put("trusted-proxies", ranges(s.trustedProxies()))
                .put("refused-methods", methods(s.refusedMethods()),
                        s.refusedMethods().isEmpty() ? "every method is routed, TRACE included" : null)
                .put("max-requests-per-connection", num(s.maxRequestsPerConnection()),
                        s.maxRequestsPerConnection() == 0 ? "no limit" : null)
                .put("proxy-protocol", bool(s.proxyProtocol()), !s.proxyProtocol() ? null
                        : s.proxyProtocolFrom().isEmpty() ? "every connection must begin with a PROXY protocol header"
                        : "connections from proxy-protocol-from must begin with a PROXY protocol header; others are"
                        + " plain HTTP")
                // Shown empty too, as every default is (an empty list is accepted without proxy-protocol).
                .put("proxy-protocol-from", ranges(s.proxyProtocolFrom()))
                .put("reuse-port", bool(s.reusePort()), s.reusePort()
                        ? "each event loop listens on the port (SO_REUSEPORT) on io_uring and epoll; NIO keeps one"
                        + " accepting thread"
                        : "one accepting thread hands connections to the event loops");
        return server;
    }

    private static Obj upstream(UpstreamConfig u, boolean redact) {
        List<Node> endpoints = new ArrayList<>();
        u.endpoints().forEach(e -> {
            if (u.weight(e) == 1 && !u.backup(e)) {
                endpoints.add(str(e.toString()));
                return;
            }
            Obj endpoint = new Obj().put("address", str(e.toString()));
            if (u.weight(e) != 1) {
                endpoint.put("weight", num(u.weight(e)));
            }
            if (u.backup(e)) {
                endpoint.put("backup", bool(true));
            }
            endpoints.add(endpoint);
        });
        CircuitBreakerConfig cb = u.circuitBreaker();
        Obj o = new Obj()
                .put("endpoints", new Arr(endpoints))
                .put("load-balancing", new Token(u.loadBalancing().configName()));
        u.consistentHash().ifPresent(hash -> o.put("consistent-hash", hashKey(hash)));
        o.put("connect-timeout", duration(u.connectTimeout()))
                .put("max-connections-per-endpoint", num(u.maxConnectionsPerEndpoint()))
                .put("pool-idle-timeout", duration(u.poolIdleTimeout()))
                .put("pool-max-connection-age", duration(u.poolMaxConnectionAge()))
                .put("pool-max-requests-per-connection", num(u.poolMaxRequestsPerConnection()),
                        u.poolMaxRequestsPerConnection() == 0 ? "no limit" : null)
                .put("max-concurrent-requests", num(u.maxConcurrentRequests()))
                .put("slow-start", duration(u.slowStart()), u.slowStart().isZero() ? "off: back at full share at once" : null)
                .put("circuit-breaker", new Obj()
                        .put("enabled", bool(cb.enabled()))
                        .put("window", duration(cb.window()))
                        .put("minimum-calls", num(cb.minimumCalls()))
                        .put("failure-rate-threshold", decimal(cb.failureRateThreshold()))
                        .put("consecutive-failures", num(cb.consecutiveFailures()))
                        .put("slow-call-duration", duration(cb.slowCallDuration()))
                        .put("slow-call-rate-threshold", decimal(cb.slowCallRateThreshold()))
                        .put("open-duration", duration(cb.openDuration()))
                        .put("max-open-duration", duration(cb.maxOpenDuration()))
                        .put("half-open-probes", num(cb.halfOpenProbes()))
                        .put("half-open-on-health-check", bool(cb.halfOpenOnHealthCheck()),
                                u.healthCheck().isEmpty() ? "no health-check: nothing ends an open period early" : null));
        u.healthCheck().ifPresentOrElse(h -> o.put("health-check", healthCheck(h, redact)),
                () -> o.note("no health-check: breakers alone judge endpoints"));
        Obj tls = new Obj();
        u.tls().trustCertChain().ifPresentOrElse(
                p -> tls.put("trust-cert-chain", str(p.toString())),
                () -> tls.note("no trust-cert-chain: https endpoints are checked against the JVM's trust store"));
        tls.put("verify-hostname", bool(u.tls().verifyHostname()));
        u.tls().clientCertificate().ifPresentOrElse(
                client -> tls.put("cert-chain", str(client.certChain().toString()))
                        .put("private-key", str(client.privateKey().toString()), "a path; the key is never printed"),
                () -> tls.note("no cert-chain: no client certificate for endpoints that ask for one"));
        o.put("tls", handshake(u.tls().handshake(), tls));
        return o;
    }

}
