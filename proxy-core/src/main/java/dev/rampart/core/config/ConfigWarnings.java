package dev.rampart.core.config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Combinations that are valid but probably not what the operator meant, as {@code --check} prints
 * them. Each warning names its route or upstream and says what will happen, not just what is set.
 *
 * <p>Retries that re-send a request the upstream may already have acted on (a reset, a timeout, or
 * an error status after the request was delivered) are the dangerous ones; a connect failure sent
 * nothing and is always safe, so it never causes a warning.
 */
public final class ConfigWarnings {

    /** Failures that may have happened after the upstream received (and acted on) the request. */
    private static final Set<RetryOn> AFTER_DELIVERY =
            EnumSet.of(RetryOn.RESET, RetryOn.TIMEOUT, RetryOn.GATEWAY_ERROR, RetryOn.SERVER_ERROR, RetryOn.STATUS_CODES);

    /** Failures that are an upstream response status. */
    private static final Set<RetryOn> STATUS_FAILURES =
            EnumSet.of(RetryOn.GATEWAY_ERROR, RetryOn.SERVER_ERROR, RetryOn.STATUS_CODES);

    /** Every address family's whole range: what an absent {@code allow-from} serves. */
    private static final List<AddressRange> EVERY_ADDRESS = List.of(AddressRange.parse("0.0.0.0/0"),
            AddressRange.parse("::/0"));

    private ConfigWarnings() {
    }

    /** Beyond this, a {@code jwt.clock-skew} no longer covers clocks: it extends every token's life. */
    private static final Duration LONGEST_SENSIBLE_CLOCK_SKEW = Duration.ofMinutes(5);

    /**
     * Every warning for the config: routes first in route order, then shared rate limits no route names, then routes
     * that can never match, then upstreams, then TLS, then the admin listener.
     */
    public static List<String> of(RampartConfig config) {
        return of(config, Clock.systemUTC());
    }

    /** {@link #of(RampartConfig)}, with certificate dates judged at {@code clock}'s time. */
    static List<String> of(RampartConfig config, Clock clock) {
        List<String> warnings = new ArrayList<>();
        for (RouteConfig route : config.routes()) {
            if (route.upstream().isPresent()) {
                retryWarnings(route, warnings);
                responseIdleWarning(route, config.server(), warnings);
            }
            PathWarnings.add(route, warnings);
            deniedEveryoneWarning(route, warnings);
            unsentBodyWarning(route, warnings);
            unsentRequestHeadersWarning(route, warnings);
            uncompressedRespondWarning(route, warnings);
            CompressedTypesWarning.add(route, warnings);
            UnseenMethodsWarning.add(route, config.server(), warnings);
            unreachablePreflightWarning(route, warnings);
            doubledCorsWarning(route, warnings);
            droppedVaryWarning(route, warnings);
            sharedIdempotencyKeyWarning(route, warnings);
            route.jwt().ifPresent(jwt -> {
                unscopedTokenWarning(route.name(), jwt, warnings);
                plainHttpKeysWarning(route.name(), jwt, warnings);
                longClockSkewWarning(route.name(), jwt, warnings);
            });
        }
        unusedRateLimitWarnings(config, warnings);
        ShadowedRoutes.warn(config.routes(), warnings);
        RedirectLoopWarning.add(config.routes(), warnings);
        UpstreamWarnings.add(config, warnings);
        TlsWarnings.add(config, clock, warnings);
        for (AddressRange range : config.server().trustedProxies()) {
            if (range.prefix() == 0) {
                warnings.add("server: trusted-proxies has " + range + ", which trusts every client's X-Forwarded-For:"
                        + " any client can choose the address allow-from and rate-limit judge; list the load"
                        + " balancers in front instead");
            }
        }
        if (!isLoopback(config.admin().host())) {
            warnings.add("admin: host \"" + config.admin().host() + "\" is not a loopback address;"
                    + " /admin and /metrics are reachable from the network");
        }
        return warnings;
    }

    /** A limit of {@code rate-limits} that no route names limits nothing: a route meant to name it is unlimited. */
    private static void unusedRateLimitWarnings(RampartConfig config, List<String> warnings) {
        Set<String> named = new HashSet<>();
        config.routes().forEach(route -> route.rateLimit().flatMap(RateLimitConfig::name).ifPresent(named::add));
        config.rateLimits().keySet().stream().filter(name -> !named.contains(name)).forEach(name -> warnings.add(
                "rate-limits \"" + name + "\": no route names it, so it limits nothing (a route takes it with"
                        + " rate-limit = \"" + name + "\")"));
    }

    /**
     * A {@code jwt} that names no issuer or no audience takes tokens made for anything the key set signs: another
     * API of the same authorization server, or an ID token meant for a front end.
     */
    private static void unscopedTokenWarning(String route, JwtConfig jwt, List<String> warnings) {
        if (jwt.issuer().isEmpty() || jwt.audiences().isEmpty()) {
            warnings.add("route \"" + route + "\": jwt names no " + (jwt.issuer().isEmpty() ? "issuer" : "audiences")
                    + ", so it takes tokens the key set's owner made for any other service too: set issuer and"
                    + " audiences");
        }
    }

    /** A key set fetched over plain http from another machine: whoever is on the way can serve keys of their own. */
    private static void plainHttpKeysWarning(String route, JwtConfig jwt, List<String> warnings) {
        JwksSource.Remote remote = jwt.remoteKeys().orElse(null);
        if (remote != null && "http".equalsIgnoreCase(remote.uri().getScheme()) && (remote.uri().getHost() == null
                || !isLoopback(remote.uri().getHost()))) {
            warnings.add("route \"" + route + "\": jwt.jwks-uri " + JwksSource.shown(remote.uri())
                    + " is plain http, so whoever is on"
                    + " the way can replace the keys and sign tokens of their own: use https");
        }
    }


    /**
     * A leeway of more than a few minutes: the clocks it would cover are broken, and it keeps every token good that
     * much past its {@code exp}, a stolen one included (a day, or {@code 110000d}, turns the expiry off).
     */
    private static void longClockSkewWarning(String route, JwtConfig jwt, List<String> warnings) {
        if (jwt.clockSkew().compareTo(LONGEST_SENSIBLE_CLOCK_SKEW) > 0) {
            warnings.add("route \"" + route + "\": jwt.clock-skew " + ConfigUnits.duration(jwt.clockSkew())
                    + " keeps every token good that long past its exp, a stolen one included; clocks kept by NTP"
                    + " need seconds (Envoy's default is 60s)");
        }
    }

    /** A direct response whose status has no body (RFC 9110 §6.4.1): its body is never sent. */
    private static void unsentBodyWarning(RouteConfig route, List<String> warnings) {
        route.respond().filter(r -> RespondConfig.hasNoContent(r.status()) && !r.body().isEmpty())
                .ifPresent(r -> warnings.add("route \"" + route.name() + "\": respond.status " + r.status()
                        + " has no body, so respond.body is never sent"));
    }

    /** Request header rules on a route that answers by itself: no request goes anywhere for them to change. */
    private static void unsentRequestHeadersWarning(RouteConfig route, List<String> warnings) {
        if (route.respond().isPresent() && !route.requestHeaders().isEmpty()) {
            warnings.add("route \"" + route.name() + "\": request-headers change nothing on a respond route, which"
                    + " sends no request upstream (response-headers change its answer)");
        }
    }

    /**
     * CORS on a route whose methods leave out OPTIONS: a browser's preflight is an OPTIONS request, which
     * then matches another route (or none), so the route's {@code cors} never answers it.
     */
    private static void unreachablePreflightWarning(RouteConfig route, List<String> warnings) {
        Set<String> methods = route.match().methods();
        if (route.cors().isPresent() && !methods.isEmpty() && !methods.contains("OPTIONS")) {
            warnings.add("route \"" + route.name() + "\": cors never sees a preflight, which is an OPTIONS"
                    + " request, since match.methods leaves OPTIONS out: add it");
        }
    }

    /**
     * Access-Control-* names in the response header rules of a route with {@code cors}: an added one gives
     * the browser two answers, which it refuses; a set or removed one overrides what {@code cors} says.
     */
    private static void doubledCorsWarning(RouteConfig route, List<String> warnings) {
        if (route.cors().isEmpty()) {
            return;
        }
        // On a response a rule's name is only itself (no upstream reads it as a CGI variable): as written.
        HeaderRules rules = route.responseHeaders();
        List<String> names = new ArrayList<>(rules.set().keySet());
        names.addAll(rules.add().keySet());
        names.addAll(rules.remove());
        if (names.stream().anyMatch(name -> name.toLowerCase(Locale.ROOT).startsWith("access-control-"))) {
            warnings.add("route \"" + route.name() + "\": response-headers change Access-Control-* headers that"
                    + " cors sets: an added one gives browsers two answers, which they refuse; leave CORS to cors");
        }
    }

    /**
     * Response header rules that remove or set {@code Vary} on a route whose {@code cors} or {@code compression}
     * adds to it: the rules run last, so a shared cache would no longer keep apart what the addition told it to.
     */
    private static void droppedVaryWarning(RouteConfig route, List<String> warnings) {
        HeaderRules rules = route.responseHeaders();
        boolean dropsVary = rules.remove().stream().anyMatch(name -> name.equalsIgnoreCase("Vary"))
                || rules.set().keySet().stream().anyMatch(name -> name.equalsIgnoreCase("Vary"));
        if (!dropsVary) {
            return;
        }
        if (route.cors().isPresent()) {
            warnings.add("route \"" + route.name() + "\": response-headers remove or set Vary, which cors fills"
                    + " with Origin: a shared cache could give one origin's answer to another; add to Vary instead");
        }
        if (route.compression().isPresent() && route.respond().isEmpty()) {
            warnings.add("route \"" + route.name() + "\": response-headers remove or set Vary, which compression"
                    + " fills with Accept-Encoding: a shared cache could give gzip to a client that cannot read it;"
                    + " add to Vary instead");
        }
    }

    /**
     * Request header rules that set or add the retry's idempotency key: the upstream gets the operator's one value
     * in every request, so one that deduplicates by it would take them all as one request.
     */
    private static void sharedIdempotencyKeyWarning(RouteConfig route, List<String> warnings) {
        String key = route.retry().idempotencyKeyHeader();
        HeaderRules rules = route.requestHeaders();
        if (!key.isEmpty() && (rules.set().keySet().stream().anyMatch(name -> sameHeader(name, key))
                || rules.add().keySet().stream().anyMatch(name -> sameHeader(name, key)))) {
            warnings.add("route \"" + route.name() + "\": request-headers give every request the idempotency key"
                    + " header " + key + " (retry.idempotency-key-header): an upstream that deduplicates by it would"
                    + " take every request for the first, and answer them all with its result");
        }
    }

    private static boolean sameHeader(String a, String b) {
        return HeaderRules.spelling(a).equals(HeaderRules.spelling(b));
    }

    /** Compression on a route that answers by itself: only relayed responses are compressed. */
    private static void uncompressedRespondWarning(RouteConfig route, List<String> warnings) {
        if (route.respond().isPresent() && route.compression().isPresent()) {
            warnings.add("route \"" + route.name() + "\": compression changes nothing on a respond route: only"
                    + " responses relayed from an upstream are compressed");
        }
    }

    /** A route whose {@code deny-from} holds every address its {@code allow-from} (or, absent, the world) has. */
    private static void deniedEveryoneWarning(RouteConfig route, List<String> warnings) {
        if (route.denyFrom().isEmpty()) {
            return;
        }
        List<AddressRange> served = route.allowFrom().isEmpty() ? EVERY_ADDRESS : route.allowFrom();
        boolean noneLeft = served.stream().allMatch(allowed -> route.denyFrom().stream()
                .anyMatch(denied -> denied.prefix() <= allowed.prefix() && denied.contains(allowed.network())));
        if (noneLeft) {
            warnings.add("route \"" + route.name() + "\": deny-from holds every address "
                    + (route.allowFrom().isEmpty() ? "there is" : "allow-from lists")
                    + ", so the route refuses every client 403 ACCESS_DENIED");
        }
    }

    private static void retryWarnings(RouteConfig route, List<String> warnings) {
        RetryConfig retry = route.retry();
        if (retry.attempts() <= 1) {
            return;
        }
        String r = "route \"" + route.name() + "\": ";
        Set<RetryOn> on = effectiveOn(retry);
        for (String method : List.of("POST", "PATCH")) {
            if (!routeAccepts(route, method)) {
                continue;
            }
            Set<RetryOn> unsafe = EnumSet.copyOf(AFTER_DELIVERY);
            unsafe.retainAll(on);
            if (retry.idempotentMethods().contains(method) && !unsafe.isEmpty()) {
                warnings.add(r + "retries " + method + " on " + names(unsafe) + " without an idempotency key ("
                        + method + " is in retry.idempotent-methods); a " + method + " the upstream already"
                        + " applied may be applied twice");
            }
        }
        Set<RetryOn> statuses = EnumSet.copyOf(STATUS_FAILURES);
        statuses.retainAll(on);
        if (!statuses.isEmpty() && retry.idempotencyKeyHeader().isEmpty()
                && (routeAccepts(route, "POST") && !retry.idempotentMethods().contains("POST"))) {
            warnings.add(r + "retries " + names(statuses) + " but retry.idempotency-key-header is empty;"
                    + " a POST can never be retried after a response, and clients have no way to opt in");
        }
        if (retry.perTryTimeout().compareTo(route.timeout()) >= 0) {
            warnings.add(r + "retry.per-try-timeout (" + ConfigUnits.duration(retry.perTryTimeout())
                    + ") >= timeout (" + ConfigUnits.duration(route.timeout()) + "); an attempt that times out"
                    + " leaves no time for a retry");
        }
        if (on.isEmpty()) {
            // Quietly a route of one attempt: an operator who wrote attempts = 3 meant retries of something.
            warnings.add(r + "retry.attempts = " + retry.attempts() + " but retry.on names no failure to retry"
                    + (retry.on().contains(RetryOn.STATUS_CODES) ? " (status-codes is on, with no retry.status-codes)"
                    : "") + "; no failure will ever be retried (only a request sent on a pooled connection the"
                    + " upstream had already closed is sent again)");
        }
        if (retry.budget().ratio() == 0 && retry.budget().minPerSecond() == 0) {
            warnings.add(r + "retry.attempts = " + retry.attempts() + " but retry.budget is 0"
                    + " (ratio 0, min-per-second 0); no retry will ever be allowed");
        }
    }

    /**
     * A {@code response-idle-timeout} that another limit always reaches first cuts nothing: the operator meant a
     * bound on body stalls that is not there. The route's {@code timeout} runs from the request head, before this
     * one starts; {@code server.idle-timeout} also ends a response that made no progress for that long.
     */
    private static void responseIdleWarning(RouteConfig route, ServerConfig server, List<String> warnings) {
        Duration idle = route.responseIdleTimeout();
        if (idle.isZero()) {
            return;
        }
        String r = "route \"" + route.name() + "\": response-idle-timeout (" + ConfigUnits.duration(idle) + ") >= ";
        if (idle.compareTo(route.timeout()) >= 0) {
            warnings.add(r + "timeout (" + ConfigUnits.duration(route.timeout()) + "); the route's timeout ends"
                    + " the whole exchange first, so it never cuts a stalled response body");
        } else if (idle.compareTo(server.idleTimeout()) >= 0) {
            warnings.add(r + "server.idle-timeout (" + ConfigUnits.duration(server.idleTimeout()) + "); a response"
                    + " body that stalls that long is cut by server.idle-timeout first");
        }
    }

    /** A non-empty {@code status-codes} list retries its statuses even when not named in {@code on}. */
    private static Set<RetryOn> effectiveOn(RetryConfig retry) {
        Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
        on.addAll(retry.on());
        if (!retry.statusCodes().isEmpty()) {
            on.add(RetryOn.STATUS_CODES);
        } else {
            on.remove(RetryOn.STATUS_CODES);
        }
        return on;
    }

    private static boolean routeAccepts(RouteConfig route, String method) {
        return route.match().methods().isEmpty() || route.match().methods().contains(method);
    }

    private static String names(Set<RetryOn> on) {
        List<String> names = new ArrayList<>();
        for (RetryOn r : on) {
            names.add(r.configName());
        }
        return String.join(", ", names);
    }

    /**
     * Literal loopback names and addresses only (an IPv4-mapped one included, {@code ::ffff:127.0.0.1}): resolving
     * a name here would make {@code --check} depend on DNS.
     */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        byte[] address = literalAddress(host);
        return address != null && (address.length == 4 ? address[0] == 127 : Arrays.equals(address, IPV6_LOOPBACK));
    }

    private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    /** The address a host written as an IP address stands for, brackets or not, a mapped one as IPv4; else null. */
    static byte[] literalAddress(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return AddressRange.addressOf(h);
    }
}
