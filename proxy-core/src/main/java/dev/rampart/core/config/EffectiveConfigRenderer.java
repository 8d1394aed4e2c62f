package dev.rampart.core.config;

import dev.rampart.core.config.RenderTree.Arr;
import dev.rampart.core.config.RenderTree.Bool;
import dev.rampart.core.config.RenderTree.Node;
import dev.rampart.core.config.RenderTree.Num;
import dev.rampart.core.config.RenderTree.Obj;
import dev.rampart.core.config.RenderTree.Str;
import dev.rampart.core.config.RenderTree.Token;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shows a config with every default filled in, under the same key names as the file, so an
 * operator sees what will actually run. The HOCON form ({@link #render}) is what {@code --check}
 * prints, and parses back to an equal {@link RampartConfig}; the JSON form ({@link #renderJson}) is
 * what {@code /admin/routes} serves.
 *
 * <p>Redaction: the JSON form is served over the network, so the expected value of a match header
 * whose name suggests a credential (it contains {@code auth}, {@code cookie}, {@code token}, {@code key},
 * {@code pass}, {@code session}, {@code sig} and the like: see {@link #SECRET_PARTS}) is replaced by
 * {@value #REDACTED}.
 * TLS paths are shown in both: a path is not a secret, and the key file itself is never read here.
 */
public final class EffectiveConfigRenderer {

    /** What replaces a redacted value in the JSON form. */
    public static final String REDACTED = "<redacted>";

    /** Standard methods in the order RFC 9110 lists them, so a rendered set reads the same every time. */
    private static final List<String> METHOD_ORDER =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

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
        c.upstreams().forEach((name, u) -> upstreams.put(name, upstream(u)));
        rampart.put("upstreams", upstreams);
        List<Node> routes = new ArrayList<>();
        c.routes().forEach(r -> routes.add(route(r, redact)));
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
        return o.put("max-connections", num(s.maxConnections()))
                .put("idle-timeout", duration(s.idleTimeout()))
                .put("request-header-timeout", duration(s.requestHeaderTimeout()))
                .put("request-body-timeout", duration(s.requestBodyTimeout()))
                .put("max-initial-line", size(s.maxInitialLine()))
                .put("max-header-size", size(s.maxHeaderSize()))
                .put("max-request-body", size(s.maxRequestBody()))
                .put("shutdown-grace", duration(s.shutdownGrace()))
                .put("lingering-timeout", duration(s.lingeringTimeout()))
                .put("lingering-time", duration(s.lingeringTime()))
                .put("max-replay-memory", s.maxReplayMemory() == ServerConfig.AUTO_REPLAY_MEMORY
                        ? str("auto") : size(s.maxReplayMemory()))
                .put("trusted-proxies", ranges(s.trustedProxies()))
                .put("max-requests-per-connection", num(s.maxRequestsPerConnection()),
                        s.maxRequestsPerConnection() == 0 ? "no limit" : null)
                .put("proxy-protocol", bool(s.proxyProtocol()),
                        s.proxyProtocol() ? "every connection must begin with a PROXY protocol header" : null);
    }

    private static Arr ranges(List<AddressRange> ranges) {
        return strings(ranges.stream().map(AddressRange::toString).toList());
    }

    private static Obj jwt(JwtConfig j) {
        Obj block = new Obj();
        if (j.keys() instanceof JwksSource.Remote remote) {
            block.put("jwks-uri", str(remote.uri().toString()), "fetched by the proxy while it runs")
                    .put("jwks-refresh", duration(remote.refresh()));
        } else if (j.keys() instanceof JwksSource.File file) {
            block.put("jwks-file", str(file.path().toString()), "read again on every reload");
        }
        j.issuer().ifPresentOrElse(issuer -> block.put("issuer", str(issuer)), () -> block.note("no issuer: any"));
        if (j.audiences().isEmpty()) {
            block.note("no audiences: not checked");
        } else {
            block.put("audiences", strings(j.audiences()));
        }
        block.put("algorithms", strings(j.algorithms()))
                .put("clock-skew", duration(j.clockSkew()));
        Obj claims = new Obj();
        j.claimHeaders().forEach((claim, header) -> claims.put(claim, str(header)));
        return block.put("claim-headers", claims).put("forward-token", bool(j.forwardToken()));
    }

    private static Arr strings(List<String> values) {
        return new Arr(values.stream().map(v -> (Node) str(v)).toList());
    }

    private static Obj upstream(UpstreamConfig u) {
        List<Node> endpoints = new ArrayList<>();
        u.endpoints().forEach(e -> endpoints.add(u.weight(e) == 1 ? str(e.toString())
                : new Obj().put("address", str(e.toString())).put("weight", num(u.weight(e)))));
        CircuitBreakerConfig cb = u.circuitBreaker();
        Obj o = new Obj()
                .put("endpoints", new Arr(endpoints))
                .put("load-balancing", new Token(u.loadBalancing().configName()));
        u.consistentHash().ifPresent(hash -> {
            Obj block = new Obj().put("key", new Token(hash.key().configName()));
            hash.name().ifPresent(name -> block.put("name", str(name)));
            o.put("consistent-hash", block);
        });
        o.put("connect-timeout", duration(u.connectTimeout()))
                .put("max-connections-per-endpoint", num(u.maxConnectionsPerEndpoint()))
                .put("pool-idle-timeout", duration(u.poolIdleTimeout()))
                .put("pool-max-connection-age", duration(u.poolMaxConnectionAge()))
                .put("pool-max-requests-per-connection", num(u.poolMaxRequestsPerConnection()),
                        u.poolMaxRequestsPerConnection() == 0 ? "no limit" : null)
                .put("max-concurrent-requests", num(u.maxConcurrentRequests()))
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
                        .put("half-open-probes", num(cb.halfOpenProbes())));
        u.healthCheck().ifPresentOrElse(h -> o.put("health-check", new Obj()
                        .put("path", str(h.path()))
                        .put("interval", duration(h.interval()))
                        .put("timeout", duration(h.timeout()))
                        .put("healthy-threshold", num(h.healthyThreshold()))
                        .put("unhealthy-threshold", num(h.unhealthyThreshold()))),
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

    private static Obj route(RouteConfig r, boolean redact) {
        Obj o = new Obj().put("name", str(r.name())).put("match", match(r.match(), redact));
        r.upstream().ifPresent(u -> o.put("upstream", str(u)));
        r.rewrite().ifPresent(rw -> o.put("rewrite", rewrite(rw)));
        o.put("preserve-host", bool(r.preserveHost()))
                .put("timeout", duration(r.timeout()))
                .put("retry", retry(r.retry()))
                .put("errors", new Obj()
                        .put("rewrite-upstream", tokens(r.errors().rewriteUpstream().stream().sorted()
                                .map(ErrorsConfig.StatusClass::configName).toList()))
                        .put("rewrite-upstream-json", bool(r.errors().rewriteUpstreamJson())));
        r.respond().ifPresent(resp -> {
            Obj respond = new Obj()
                    .put("status", num(resp.status()))
                    .put("body", str(resp.body()))
                    .put("content-type", str(resp.contentType()));
            resp.location().ifPresent(location -> respond.put("location", str(location))
                    .put("keep-path", bool(resp.keepPath())));
            o.put("respond", respond);
        });
        r.maxRequestBody().ifPresent(limit -> o.put("max-request-body", size(limit)));
        if (!r.allowFrom().isEmpty()) {
            o.put("allow-from", ranges(r.allowFrom()));
        }
        r.rateLimit().ifPresent(limit -> {
            Obj block = new Obj()
                    .put("requests-per-second", new Num(ConfigUnits.decimal(limit.requestsPerSecond())))
                    .put("burst", num(limit.burst()))
                    .put("per", new Token(limit.per().configName()));
            limit.header().ifPresent(header -> block.put("header", str(header)));
            o.put("rate-limit", block);
        });
        r.compression().ifPresent(c -> o.put("compression", new Obj()
                .put("types", strings(c.types()))
                .put("min-length", size(c.minLength()))
                .put("level", num(c.level()))));
        r.cors().ifPresent(c -> o.put("cors", new Obj()
                .put("allow-origins", strings(c.allowOrigins()))
                .put("allow-methods", strings(c.allowMethods()))
                .put("allow-headers", strings(c.allowHeaders()))
                .put("expose-headers", strings(c.exposeHeaders()))
                .put("allow-credentials", bool(c.allowCredentials()))
                .put("max-age", duration(c.maxAge()))));
        r.jwt().ifPresent(j -> o.put("jwt", jwt(j)));
        if (!r.requestHeaders().isEmpty()) {
            o.put("request-headers", headerRules(r.requestHeaders(), redact));
        }
        if (!r.responseHeaders().isEmpty()) {
            o.put("response-headers", headerRules(r.responseHeaders(), redact));
        }
        return o;
    }

    /**
     * A route's header rules, in the order they apply; a value under a credential-like name is redacted, as a
     * header match's is.
     */
    private static Obj headerRules(HeaderRules rules, boolean redact) {
        Obj o = new Obj();
        if (!rules.remove().isEmpty()) {
            o.put("remove", new Arr(rules.remove().stream().map(name -> (Node) str(name)).toList()));
        }
        if (!rules.set().isEmpty()) {
            o.put("set", headerValues(rules.set(), redact));
        }
        if (!rules.add().isEmpty()) {
            o.put("add", headerValues(rules.add(), redact));
        }
        return o;
    }

    private static Obj headerValues(Map<String, String> values, boolean redact) {
        Obj o = new Obj();
        values.forEach((name, value) -> o.put(name, str(redact && looksSecret(name) ? REDACTED : value)));
        return o;
    }

    private static Obj match(MatchConfig m, boolean redact) {
        Obj o = new Obj();
        m.host().ifPresentOrElse(h -> o.put("host", str(h)), () -> o.note("any host"));
        m.pathPrefix().ifPresent(p -> o.put("path-prefix", str(p)));
        m.pathRegex().ifPresent(p -> o.put("path-regex", str(p.pattern())));
        if (m.methods().isEmpty()) {
            o.note("any method");
        } else {
            o.put("methods", methods(m.methods()));
        }
        if (!m.headers().isEmpty()) {
            Obj headers = new Obj();
            new TreeMap<>(m.headers()).forEach((name, value) ->
                    headers.put(name, str(redact && looksSecret(name) ? REDACTED : value)));
            o.put("headers", headers);
        }
        return o;
    }

    private static Obj rewrite(PathRewrite rewrite) {
        if (rewrite instanceof PathRewrite.StripPrefix strip) {
            return new Obj().put("strip-prefix", str(strip.prefix()));
        }
        PathRewrite.ReplacePrefix replace = (PathRewrite.ReplacePrefix) rewrite;
        return new Obj().put("replace-prefix", new Obj().put("from", str(replace.from())).put("to", str(replace.to())));
    }

    private static Obj retry(RetryConfig r) {
        return new Obj()
                .put("attempts", num(r.attempts()))
                .put("per-try-timeout", duration(r.perTryTimeout()))
                .put("on", tokens(r.on().stream().sorted().map(RetryOn::configName).toList()))
                .put("status-codes", new Arr(r.statusCodes().stream().sorted().map(c -> (Node) num(c)).toList()))
                .put("idempotent-methods", methods(r.idempotentMethods()))
                .put("idempotency-key-header", str(r.idempotencyKeyHeader()))
                .put("backoff", new Obj()
                        .put("initial", duration(r.backoff().initial()))
                        .put("max", duration(r.backoff().max()))
                        .put("multiplier", factor(r.backoff().multiplier()))
                        .put("jitter", new Token(r.backoff().jitter().configName())))
                .put("retry-after", new Obj()
                        .put("honor", bool(r.retryAfter().honor()))
                        .put("max", duration(r.retryAfter().max())))
                .put("budget", new Obj()
                        .put("ratio", factor(r.budget().ratio()))
                        .put("min-per-second", num(r.budget().minPerSecond())))
                .put("replay-buffer", size(r.replayBuffer()))
                .put("prefer-other-endpoint", bool(r.preferOtherEndpoint()));
    }

    /**
     * Parts of a header name that suggest a credential, found anywhere in it ({@code x-csrftoken},
     * {@code x-secretkey}, {@code x-api-keys}): wide on purpose, since a value shown by mistake cannot be taken
     * back, and one hidden by mistake ({@code x-monkey}, {@code x-author}) is still in the config file.
     */
    private static final List<String> SECRET_PARTS = List.of("auth", "cookie", "token", "secret", "key", "pass",
            "pwd", "credential", "session", "sig", "jwt", "hmac", "csrf", "xsrf", "cert", "private", "bearer",
            "nonce");
    /** Short words that suggest a credential only as a whole word of the name ({@code x-pin}, not {@code x-spinner}). */
    private static final java.util.Set<String> SECRET_WORDS = java.util.Set.of("otp", "totp", "pin", "sid");

    static boolean looksSecret(String headerName) {
        String n = headerName.toLowerCase(Locale.ROOT);
        for (String part : SECRET_PARTS) {
            if (n.contains(part)) {
                return true;
            }
        }
        for (String word : n.split("[-_.]")) {
            if (SECRET_WORDS.contains(word)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> sortedMethods(Collection<String> methods) {
        return methods.stream().sorted(Comparator
                .comparingInt((String m) -> METHOD_ORDER.contains(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.size())
                .thenComparing(Comparator.naturalOrder())).toList();
    }

    private static Arr tokens(List<String> values) {
        return new Arr(values.stream().map(v -> (Node) new Token(v)).toList());
    }

    /**
     * Method names as the config would write them: bare where HOCON reads a bare word back as the same
     * string, quoted otherwise (a method may be any token: {@code 007} bare would come back as the number
     * 7, {@code M#1} bare would start a comment).
     */
    private static Arr methods(Collection<String> methods) {
        return new Arr(sortedMethods(methods).stream()
                .map(v -> v.matches("[A-Za-z][A-Za-z0-9_-]*") ? (Node) new Token(v) : new Str(v)).toList());
    }

    private static Str str(String s) {
        return new Str(s);
    }

    private static Num num(long n) {
        return new Num(Long.toString(n));
    }

    private static Num decimal(double d) {
        return new Num(ConfigUnits.decimal(d));
    }

    private static Num factor(double d) {
        return new Num(ConfigUnits.factor(d));
    }

    private static Bool bool(boolean b) {
        return new Bool(b);
    }

    private static Token duration(Duration d) {
        return new Token(ConfigUnits.duration(d));
    }

    private static Token size(long bytes) {
        return new Token(ConfigUnits.size(bytes));
    }
}
