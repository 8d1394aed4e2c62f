package dev.rampart.core.proxy;

import dev.rampart.core.auth.JwtVerifier;
import dev.rampart.core.auth.RemoteKeySet;
import dev.rampart.core.config.AddressRange;
import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.resilience.RateLimiter;
import dev.rampart.core.routing.Route;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What becomes of a request head, decided before the proxy acts on it: refused, or routed. In order, the
 * head must be well formed ({@link RequestValidation}) with a target that has an origin-form, which is set
 * on it (routes match, and the upstream gets, the target in normal form); the proxy must not be refusing
 * new requests; a route must match; the path must be served as it was routed ({@link AmbiguousPaths}); the
 * client's address must be in the route's {@code allow-from} and not in its {@code deny-from}; a declared body must
 * be within the route's {@code max-request-body} (or the server's); every token the route's {@code jwt} finds must
 * pass, with its {@code required-claims}; and the route's {@code rate-limit} must have a token for it (a CORS
 * preflight the route answers needs neither). A configured regex that gives up on the path ({@link RegexBudget})
 * makes it a 500. What follows routing is judged on the route, so that the log names it. A request refused for
 * any other reason takes no token, so that clients the route refuses anyway cannot use up a bucket the route
 * shares.
 *
 * @param refusal           the reason to refuse the request with, or null when it goes to {@code route}
 * @param originForm        the target in normal origin-form; null when the head is malformed
 * @param route             the matched route; null when refused before one matched
 * @param target            what {@code route} sends upstream; null without a route
 * @param retryAfterSeconds for {@code RATE_LIMITED}, when the route would take the request; else 0
 * @param challenge         for {@code UNAUTHORIZED}, the {@code WWW-Authenticate} of the answer; else null
 * @param claimHeaders      what the route's {@code jwt} found in the request's token for the upstream
 */
record RequestAdmission(Reason refusal, String originForm, Route route, UpstreamTarget target,
                        long retryAfterSeconds, String challenge, List<Map.Entry<String, String>> claimHeaders) {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    RequestAdmission(Reason refusal, String originForm, Route route, UpstreamTarget target) {
        this(refusal, originForm, route, target, 0, null, List.of());
    }

    static RequestAdmission of(ProxySnapshot snapshot, HttpRequest head, boolean refusing, String clientIp) {
        RequestValidation.hostFromTarget(head);
        Reason malformed = RequestValidation.check(head);
        String originForm = malformed == null ? RequestTarget.originForm(head.uri()) : null;
        if (malformed != null || originForm == null) {
            return new RequestAdmission(malformed != null ? malformed : Reason.BAD_REQUEST, originForm, null, null);
        }
        head.setUri(originForm);
        Set<String> refusedMethods = snapshot.config().server().refusedMethods();
        if (!refusedMethods.isEmpty() && refusedMethods.contains(head.method().name())) {
            return new RequestAdmission(Reason.METHOD_NOT_ALLOWED, originForm, null, null);
        }
        if (refusing) {
            return new RequestAdmission(Reason.SHUTTING_DOWN, originForm, null, null);
        }
        Route route = null;
        UpstreamTarget target;
        boolean ambiguous;
        try {
            NettyRequestView view = new NettyRequestView(head);
            route = snapshot.router().match(view);
            if (route == null) {
                return new RequestAdmission(Reason.ROUTE_NOT_FOUND, originForm, null, null);
            }
            target = UpstreamTarget.of(originForm, route, view.regexBudget());
            ambiguous = AmbiguousPaths.ambiguous(snapshot.router(), view, head, route, target);
        } catch (RegexBudget.GaveUp gaveUp) {
            RegexGiveUps.occurred(gaveUp, route == null ? null : route.name());
            return new RequestAdmission(Reason.PATH_REGEX_GAVE_UP, originForm, route, null);
        }
        Reason refusal = ambiguous ? Reason.BAD_REQUEST
                : !allowed(route.config(), clientIp) ? Reason.ACCESS_DENIED
                : ClientHttpCodec.declaredLength(head, 0L) > route.config().maxRequestBody(snapshot.config().server())
                ? Reason.REQUEST_BODY_TOO_LARGE : null;
        // A CORS preflight is answered by the proxy and costs it next to nothing. A browser sends it without
        // credentials, and a 429 to it reads in the page as a CORS failure: it needs no token of either kind.
        if (refusal != null || CorsHeaders.isAnsweredPreflight(route.config(), head)) {
            return new RequestAdmission(refusal, originForm, route, target);
        }
        JwtVerifier jwt = snapshot.jwtVerifier(route.name());
        List<Map.Entry<String, String>> claims = List.of();
        if (jwt != null) {
            List<String> tokens = RequestToken.inQuery(originForm) ? RequestToken.AMBIGUOUS
                    : RequestToken.of(route.config().jwt().orElseThrow().tokenSources(), head.headers());
            JwtVerifier.Verified verified = tokens == RequestToken.AMBIGUOUS ? null : verifyAll(jwt, tokens);
            if (verified == JwtVerifier.NOT_CHECKED) {
                // The event loop spent its share of this second on signature checks: the proxy is overloaded.
                return new RequestAdmission(Reason.UPSTREAM_OVERLOADED, originForm, route, target, 1, null, List.of());
            }
            if (verified == JwtVerifier.KEYS_UNAVAILABLE) {
                // Not the client's fault: its token may be good, and the keys to tell are not here yet.
                return new RequestAdmission(Reason.AUTH_UNAVAILABLE, originForm, route, target,
                        RemoteKeySet.RETRY_AFTER_SECONDS, null, List.of());
            }
            if (verified == null) {
                return new RequestAdmission(Reason.UNAUTHORIZED, originForm, route, target, 0,
                        tokens.isEmpty() ? RequestToken.MISSING : RequestToken.INVALID, List.of());
            }
            if (!verified.permitted()) {
                return new RequestAdmission(Reason.INSUFFICIENT_SCOPE, originForm, route, target, 0,
                        RequestToken.INSUFFICIENT, List.of());
            }
            claims = verified.claimHeaders();
        }
        RateLimiter limiter = snapshot.rateLimiter(route.name());
        long wait = limiter == null ? 0 : limiter.tryAcquireAll(RateLimitKey.of(limiter, limiter.keyHeader() == null
                ? head.headers()
                : UpstreamFieldView.of(route.config(), claims, head.headers(), limiter.keyHeader()), clientIp));
        if (wait > 0) {
            // Rounded up: a client that waits what Retry-After says finds a token there.
            return new RequestAdmission(Reason.RATE_LIMITED, originForm, route, target,
                    (wait + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND, null, List.of());
        }
        return new RequestAdmission(null, originForm, route, target, 0, null, claims);
    }

    /**
     * The verdict on every token the request carries (see {@link RequestToken#of}): the first one's when all pass
     * with the claims the route requires; else that of the first that does not pass (null, {@link
     * JwtVerifier#NOT_CHECKED}, {@link JwtVerifier#KEYS_UNAVAILABLE}), or failing that, of the first without those
     * claims. Null for no token.
     */
    private static JwtVerifier.Verified verifyAll(JwtVerifier jwt, List<String> tokens) {
        JwtVerifier.Verified first = null;
        JwtVerifier.Verified notPermitted = null;
        for (int i = 0; i < tokens.size(); i++) {
            JwtVerifier.Verified verified = jwt.verify(tokens.get(i));
            if (verified == null || verified == JwtVerifier.NOT_CHECKED || verified == JwtVerifier.KEYS_UNAVAILABLE) {
                return verified;
            }
            if (first == null) {
                first = verified;
            }
            if (notPermitted == null && !verified.permitted()) {
                notPermitted = verified;
            }
        }
        return notPermitted != null ? notPermitted : first;
    }

    /**
     * Whether the route serves a client at {@code clientIp}: not when {@code deny-from} holds it, else when
     * {@code allow-from} does or lists nothing (nginx's {@code deny} before {@code allow}).
     */
    private static boolean allowed(RouteConfig route, String clientIp) {
        List<AddressRange> allowFrom = route.allowFrom();
        List<AddressRange> denyFrom = route.denyFrom();
        if (allowFrom.isEmpty() && denyFrom.isEmpty()) {
            return true;
        }
        byte[] address = AddressRange.addressOf(clientIp);
        if (address == null) {
            return allowFrom.isEmpty(); // not an IP connection: in no list
        }
        return !AddressRange.anyContains(denyFrom, address)
                && (allowFrom.isEmpty() || AddressRange.anyContains(allowFrom, address));
    }
}
