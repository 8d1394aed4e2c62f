package dev.rampart.core.config;

import dev.rampart.core.config.RenderTree.Arr;
import dev.rampart.core.config.RenderTree.Node;
import dev.rampart.core.config.RenderTree.Num;
import dev.rampart.core.config.RenderTree.Obj;
import dev.rampart.core.config.RenderTree.Token;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static dev.rampart.core.config.RenderValues.bool;
import static dev.rampart.core.config.RenderValues.decimal;
import static dev.rampart.core.config.RenderValues.duration;
import static dev.rampart.core.config.RenderValues.factor;
import static dev.rampart.core.config.RenderValues.hashKey;
import static dev.rampart.core.config.RenderValues.methods;
import static dev.rampart.core.config.RenderValues.num;
import static dev.rampart.core.config.RenderValues.ranges;
import static dev.rampart.core.config.RenderValues.size;
import static dev.rampart.core.config.RenderValues.str;
import static dev.rampart.core.config.RenderValues.strings;
import static dev.rampart.core.config.RenderValues.tokens;

/**
 * One route of a rendered config ({@link EffectiveConfigRenderer}), every default filled in; in the JSON form a
 * value under a credential-like header name is redacted (see {@link #SECRET_PARTS}).
 */
final class RouteRenderer {

    private RouteRenderer() {
    }

    private static Obj canary(CanaryConfig c) {
        Obj block = new Obj().put("upstream", str(c.upstream()))
                .put("percent", decimal(c.percent()));
        c.sticky().ifPresentOrElse(sticky -> block.put("sticky", hashKey(sticky)),
                () -> block.note("no sticky: each request is drawn anew"));
        c.byHeader().ifPresent(header -> block.put("by-header", str(header)));
        c.byHeaderValue().ifPresent(value -> block.put("by-header-value", str(value)));
        c.byCookie().ifPresent(cookie -> block.put("by-cookie", str(cookie)));
        return block;
    }

    private static Obj jwt(JwtConfig j, boolean redact) {
        Obj block = new Obj();
        if (j.keys() instanceof JwksSource.Remote remote) {
            block.put("jwks-uri", str(redact ? JwksSource.shown(remote.uri()) : remote.uri().toString()),
                            "fetched by the proxy while it runs")
                    .put("jwks-refresh", duration(remote.refresh()));
            remote.trustCertChain().ifPresent(trust -> block.put("jwks-trust-cert-chain", str(trust.toString()),
                    "read at each fetch"));
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
        List<Node> headers = j.tokenSources().stream().filter(source -> !source.cookie())
                .<Node>map(source -> new Obj().put("name", str(source.name())).put("prefix", str(source.prefix())))
                .toList();
        List<String> cookies = j.tokenSources().stream().filter(TokenSource::cookie).map(TokenSource::name).toList();
        if (!headers.isEmpty()) {
            block.put("from-headers", new Arr(headers));
        }
        if (!cookies.isEmpty()) {
            block.put("from-cookies", strings(cookies));
        }
        if (!j.requiredClaims().isEmpty()) {
            Obj required = new Obj();
            j.requiredClaims().forEach((claim, values) -> required.put(claim, strings(values)));
            block.put("required-claims", required);
        }
        return block.put("claim-headers", claims).put("forward-token", bool(j.forwardToken()));
    }

    static Obj route(RouteConfig r, boolean redact) {
        Obj o = new Obj().put("name", str(r.name())).put("match", match(r.match(), redact));
        r.upstream().ifPresent(u -> o.put("upstream", str(u)));
        r.canary().ifPresent(c -> o.put("canary", canary(c)));
        r.rewrite().ifPresent(rw -> o.put("rewrite", rewrite(rw)));
        if (r.respond().isPresent()) {
            // What would govern the trip upstream: listing it, defaults filled in, would say it applies.
            o.note("answers by itself: preserve-host, timeout, response-idle-timeout, retry and errors do not apply");
        } else {
            o.put("preserve-host", bool(r.preserveHost()))
                    .put("timeout", duration(r.timeout()))
                    .put("response-idle-timeout", duration(r.responseIdleTimeout()))
                    .put("retry", retry(r.retry()))
                    .put("errors", new Obj()
                            .put("rewrite-upstream", tokens(r.errors().rewriteUpstream().stream().sorted()
                                    .map(ErrorsConfig.StatusClass::configName).toList()))
                            .put("rewrite-upstream-json", bool(r.errors().rewriteUpstreamJson())));
        }
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
        if (!r.denyFrom().isEmpty()) {
            o.put("deny-from", ranges(r.denyFrom()));
        }
        r.rateLimit().ifPresent(limit -> o.put("rate-limit", limit.name().isPresent()
                ? str(limit.name().get()) : rateLimit(limit)));
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
        r.jwt().ifPresent(j -> o.put("jwt", jwt(j, redact)));
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
        values.forEach((name, value) -> o.put(name, str(redact && looksSecret(name) ? EffectiveConfigRenderer.REDACTED : value)));
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
                    headers.put(name, str(redact && looksSecret(name) ? EffectiveConfigRenderer.REDACTED : value)));
            o.put("headers", headers);
        }
        return o;
    }

    private static Obj rewrite(PathRewrite rewrite) {
        if (rewrite instanceof PathRewrite.StripPrefix strip) {
            return new Obj().put("strip-prefix", str(strip.prefix()));
        }
        if (rewrite instanceof PathRewrite.RegexRewrite regex) {
            return new Obj().put("regex", str(regex.regex().pattern())).put("replacement", str(regex.replacement()));
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

    /** A {@code rate-limit} block: a route's own, or one of {@code rate-limits}. */
    static Obj rateLimit(RateLimitConfig limit) {
        Obj block = new Obj()
                .put("requests-per-second", new Num(ConfigUnits.decimal(limit.requestsPerSecond())))
                .put("burst", num(limit.burst()))
                .put("per", new Token(limit.per().configName()));
        limit.header().ifPresent(header -> block.put("header", str(header)));
        return block;
    }
}
