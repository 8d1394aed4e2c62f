package dev.rampart.core.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds {@code rampart.routes}. Route defaults are applied here in code, since a reference.conf
 * cannot default the elements of a list. A route without {@code name} is called {@code route-N},
 * N being its index, so metrics, logs and error envelopes always have a stable label to show.
 */
final class RouteBinder {

    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    /** RFC 9110 §8.3.1: type "/" subtype *( OWS ";" OWS [ name "=" ( token / quoted-string ) ] ), in ASCII. */
    private static final Pattern MEDIA_TYPE = Pattern.compile(TOKEN + "/" + TOKEN + "([ \\t]*;[ \\t]*(" + TOKEN
            + "=(" + TOKEN + "|\"([\\t !#-\\[\\]-~]|\\\\[\\t -~])*\"))?)*");

    private RouteBinder() {
    }

    static List<RouteConfig> bindAll(ConfigSection rampart, Set<String> upstreamNames, String requestIdHeader,
                                     RateLimitBinder.Named rateLimits) {
        Optional<List<ConfigValue>> values = rampart.list("routes");
        if (values.isEmpty()) {
            if (!rampart.has("routes")) {
                rampart.problem("routes", "missing (expected a list of routes)");
            }
            return List.of();
        }
        if (values.get().isEmpty()) {
            ValueReader.mismatch(rampart.path("routes"), "at least one route", rampart.value("routes"),
                    rampart.problems());
            return List.of();
        }
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, Integer> firstByName = new HashMap<>();
        Map<URI, FirstToName> firstByKeySet = new HashMap<>();
        for (int i = 0; i < values.get().size(); i++) {
            int index = i;
            ConfigSection.asSection(values.get().get(i), rampart.path("routes") + "[" + i + "]", rampart.problems())
                    .ifPresent(s -> {
                        RouteConfig route = bind(index, s, upstreamNames, requestIdHeader, rateLimits);
                        Integer first = firstByName.putIfAbsent(route.name(), index);
                        if (first != null) {
                            String name = com.typesafe.config.ConfigUtil.quoteString(route.name());
                            // A route without a name is given one by its place: say so, as it has no name key.
                            s.problem("name", s.has("name")
                                    ? "duplicate route name " + name + " (also rampart.routes[" + first + "])"
                                    : "this route has no name, and the one its place gives it, " + name
                                    + ", is rampart.routes[" + first + "]'s: give it a name");
                        }
                        sameKeySetTrust(s, route, index, firstByKeySet);
                        routes.add(route);
                    });
        }
        return routes;
    }

    /**
     * Routes that name one {@code jwks-uri} share its key set, fetched once: they must trust the same certificates
     * for it, or which one a fetch used would depend on the order of the routes.
     */
    private static void sameKeySetTrust(ConfigSection s, RouteConfig route, int index,
                                        Map<URI, FirstToName> firstByKeySet) {
        JwksSource.Remote remote = route.jwt().flatMap(JwtConfig::remoteKeys).orElse(null);
        if (remote == null) {
            return;
        }
        FirstToName first = firstByKeySet.putIfAbsent(remote.uri(), new FirstToName(index, remote));
        if (first == null) {
            return;
        }
        JwksSource.Remote other = first.remote();
        if (!other.trustCertChain().equals(remote.trustCertChain())) {
            ConfigValue jwt = s.value("jwt");
            ConfigValue trust = jwt instanceof ConfigObject o ? o.get(JwtBinder.TRUST_KEY) : null;
            s.problems().add(s.path("jwt") + "." + JwtBinder.TRUST_KEY, trusted(remote) + " for "
                    + JwksSource.shown(remote.uri()) + ", and rampart.routes[" + first.index()
                    + "], which names the same jwks-uri, " + trusted(other) + ": routes that name one jwks-uri share"
                    + " its key set, so they name the same jwks-trust-cert-chain",
                    (trust != null ? trust : jwt).origin());
        }
    }

    /** The first route (its index in the list) that names a {@code jwks-uri}, and how. */
    private record FirstToName(int index, JwksSource.Remote remote) {
    }

    private static String trusted(JwksSource.Remote remote) {
        return remote.trustCertChain().map(path -> "trusts " + path).orElse("trusts the JVM's trust store");
    }

    /** The route label metrics give a request no route matched. */
    private static final String UNMATCHED_LABEL = "none";

    private static RouteConfig bind(int index, ConfigSection s, Set<String> upstreamNames, String requestIdHeader,
                                    RateLimitBinder.Named rateLimits) {
        String name = s.string("name", "route-" + index);
        String nameProblem = NameText.problem(name);
        if (name.isBlank()) {
            ValueReader.mismatch(s.path("name"), "a non-empty name", s.value("name"), s.problems());
        } else if (name.equals(UNMATCHED_LABEL)) {
            // The metrics count requests no route matched under route="none": a route of that name would
            // share their series, its latency histogram holding every 404.
            s.problem("name", "\"none\" is reserved (requests no route matched are counted as route=\"none\")");
        } else if (nameProblem != null) {
            s.problem("name", "expected " + nameProblem);
        }
        MatchConfig match = MatchBinder.bind(s.section("match"));
        Optional<String> upstream = s.optionalString("upstream");
        upstream.ifPresent(u -> checkUpstream(s, u, upstreamNames));
        Optional<PathRewrite> rewrite = s.optionalSection("rewrite").flatMap(RouteBinder::rewrite);
        boolean preserveHost = s.bool("preserve-host", false);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(15));
        // Off by default: a stream whose events come further apart than a default would be cut where it worked
        // before, while the route's timeout (15s by default) bounds a stall on every route that kept it.
        Duration responseIdleTimeout = s.durationOrZero("response-idle-timeout", Duration.ZERO);
        RetryConfig retry = RetryBinder.bind(s.section("retry"));
        ErrorsConfig errors = errors(s.section("errors"));
        Optional<RespondConfig> respond = s.optionalSection("respond").map(RouteBinder::respond);
        OptionalLong maxRequestBody = s.has("max-request-body")
                ? OptionalLong.of(s.size("max-request-body", 0, 1, Long.MAX_VALUE)) : OptionalLong.empty();
        HeaderRules requestHeaders = HeaderRulesBinder.bind(s, "request-headers", HeaderRulesBinder.Side.REQUEST,
                requestIdHeader, respond.isPresent());
        HeaderRules responseHeaders = HeaderRulesBinder.bind(s, "response-headers", HeaderRulesBinder.Side.RESPONSE,
                requestIdHeader, respond.isPresent());
        Optional<RateLimitConfig> rateLimit = RateLimitBinder.bind(s, rateLimits);
        // Absent serves every client; an empty list would serve none, which is no route at all.
        List<AddressRange> allowFrom = AddressRangeBinder.bind(s, "allow-from", "must not be empty: list the"
                + " addresses or networks the route serves (leave it out to serve every client)");
        List<AddressRange> denyFrom = AddressRangeBinder.bind(s, "deny-from", "must not be empty: list the"
                + " addresses or networks the route refuses (leave it out to refuse none)");
        Optional<CompressionConfig> compression = CompressionBinder.bind(s);
        Optional<CorsConfig> cors = CorsBinder.bind(s);
        if (respond.flatMap(RespondConfig::location).isPresent() && responseHeaders.spellings().contains("location")) {
            s.problem("response-headers", "Location is respond.location's on this route: a rule cannot change it");
        }
        Optional<CanaryConfig> canary = CanaryBinder.bind(s, upstream, upstreamNames, requestIdHeader);
        Optional<JwtConfig> jwt = JwtBinder.bind(s, requestIdHeader);
        jwt.ifPresent(j -> JwtBinder.checkHeaderRules(s, j, requestHeaders));
        if (s.has("upstream") && s.has("respond")) {
            s.problem("has both upstream and respond (expected exactly one)");
        } else if (!s.has("upstream") && !s.has("respond")) {
            s.problem("has neither upstream nor respond (expected exactly one)");
        }
        s.finish();
        return new RouteConfig(name, match, upstream, rewrite, preserveHost, timeout, responseIdleTimeout, retry,
                errors, respond, maxRequestBody, requestHeaders, responseHeaders, rateLimit, allowFrom, denyFrom, compression, cors,
                jwt, canary);
    }

    /** Reports {@code s.upstream} unless it names a declared upstream: a route's, or its canary's. */
    static void checkUpstream(ConfigSection s, String upstream, Set<String> upstreamNames) {
        if (upstreamNames.contains(upstream)) {
            return;
        }
        String known = upstreamNames.isEmpty() ? "none are declared" : String.join(", ", upstreamNames);
        s.problem("upstream", "expected the name of an upstream (" + known + "), got "
                + ValueReader.describe(s.value("upstream")) + DidYouMean.hint(upstream, upstreamNames));
    }

    private static Optional<PathRewrite> rewrite(ConfigSection s) {
        int kinds = (s.has("strip-prefix") ? 1 : 0) + (s.has("replace-prefix") ? 1 : 0) + (s.has("regex") ? 1 : 0);
        if (kinds > 1 || kinds == 0 && !s.has("replacement")) { // a lone replacement: the regex is what is missing
            s.problem((kinds == 0 ? "has none" : "has more than one") + " of strip-prefix, replace-prefix and regex"
                    + " (expected one)");
        }
        if (s.has("regex") || s.has("replacement")) {
            Optional<PathRewrite> regex = RegexRewriteBinder.bind(s);
            s.finish();
            return kinds == 1 ? regex : Optional.empty();
        }
        Optional<String> strip = s.optionalString("strip-prefix");
        Optional<ConfigSection> replace = s.optionalSection("replace-prefix");
        Optional<PathRewrite> result = Optional.empty();
        if (strip.isPresent()) {
            result = Optional.of(new PathRewrite.StripPrefix(matched(s, "strip-prefix", strip.get())));
        }
        if (replace.isPresent()) {
            ConfigSection r = replace.get();
            String from = r.string("from", "");
            if (!r.has("from")) {
                r.problem("from", "missing (expected the prefix to replace)");
            } else {
                from = matched(r, "from", from);
            }
            String to = r.string("to", "");
            if (!r.has("to")) {
                r.problem("to", "missing (expected the prefix to put in its place)");
            } else if (!to.isEmpty()) { // empty: the prefix is removed, as strip-prefix does
                String normal = UriPaths.forwardablePrefix(r, "to", to);
                to = normal == null ? to : normal;
            }
            r.finish();
            result = Optional.of(new PathRewrite.ReplacePrefix(from, to));
        }
        s.finish();
        return result;
    }

    /** A prefix requests are matched against, in their normal form; as written when it is reported. */
    private static String matched(ConfigSection s, String key, String prefix) {
        String normal = UriPaths.matchablePrefix(s, key, prefix);
        return normal == null ? prefix : normal;
    }

    private static ErrorsConfig errors(ConfigSection s) {
        Set<ErrorsConfig.StatusClass> rewrite = s.list("rewrite-upstream").map(values -> {
            Set<ErrorsConfig.StatusClass> classes = EnumSet.noneOf(ErrorsConfig.StatusClass.class);
            for (int i = 0; i < values.size(); i++) {
                ErrorsConfig.StatusClass c = ValueReader.choice(values.get(i), s.path("rewrite-upstream") + "[" + i + "]",
                        ErrorsConfig.StatusClass.values(), ErrorsConfig.StatusClass::configName, s.problems());
                if (c != null) {
                    classes.add(c);
                }
            }
            return classes;
        }).orElse(EnumSet.of(ErrorsConfig.StatusClass.SERVER_ERROR));
        boolean rewriteJson = s.bool("rewrite-upstream-json", true);
        s.finish();
        return new ErrorsConfig(rewrite, rewriteJson);
    }

    /**
     * A redirect's location: {@code scheme://host[:port]}, then a path or a query, or a path alone; then perhaps a
     * fragment; all in RFC 3986's characters. Its host is a name, an address, a bracketed IPv6 address, or
     * {@code {host}} after labels of its own ({@code www.{host}}, nginx's {@code https://www.$host}): nothing after
     * {@code {host}}, which would make the client's host part of another.
     */
    private static final Pattern LOCATION;

    static {
        String label = "[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?";
        String uriCharacters = "[A-Za-z0-9\\-._~!$&'()*+,;=:@/%?]*"; // of a path, a query or a fragment
        LOCATION = Pattern.compile("(https?://((" + label + "\\.)*\\{host}"
                + "|" + label + "(\\." + label + ")*\\.?"
                + "|\\[[0-9A-Fa-f:.]+])(:(?<port>[0-9]{1,5}))?([/?]" + uriCharacters + ")?"
                + "|/" + uriCharacters + ")(#" + uriCharacters + ")?");
    }

    /** A direct response; 1xx is refused because a 1xx is never a final response. */
    private static RespondConfig respond(ConfigSection s) {
        int status = s.integer("status", 200, 200, 599, "a status code 200-599");
        String body = s.string("body", "");
        String contentType = s.string("content-type", "text/plain");
        if (contentType.isBlank()) {
            s.problem("content-type", "must not be empty: a media type, such as text/plain");
        } else if (!RampartBinder.FIELD_VALUE.matcher(contentType).matches()) {
            // Sent as a header: a line break would end it and start another (or, refused by the encoder,
            // leave every request of the route without an answer).
            s.problem("content-type", "must be a header value: no line breaks or other control characters");
        } else if (!MEDIA_TYPE.matcher(contentType).matches()) {
            // Clients read the type and subtype as tokens (RFC 9110 §8.3.1): a space around them, or text that
            // is not ASCII (sent as '?'), makes a type no client recognises, and nothing would say why.
            s.problem("content-type", "\"" + contentType + "\" is not a media type: type/subtype, then any"
                    + " parameters, such as text/plain or application/json; charset=utf-8");
        }
        Optional<String> location = s.optionalString("location");
        boolean keepPath = s.bool("keep-path", true);
        location.ifPresent(l -> checkLocation(s, l, status, keepPath));
        if (location.isEmpty() && s.has("keep-path")) {
            s.problem("keep-path", "is read only with a location");
        }
        s.finish();
        return new RespondConfig(status, body, contentType, location, location.isPresent() && keepPath);
    }

    /**
     * A redirect's target: an absolute http(s) URL (its host {@code {host}}, or a name or address as endpoints take
     * them) or a path, in the characters a URI allows, with a redirect status.
     */
    private static void checkLocation(ConfigSection s, String location, int status, boolean keepPath) {
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            s.problem("status", "a location needs a redirect status: 301, 302, 303, 307 or 308 (got " + status + ")");
        }
        Matcher url = LOCATION.matcher(location);
        // "//host/x" is no path: a browser takes it to another host.
        if (location.isEmpty() || location.startsWith("//") || !url.matches()) {
            s.problem("location", "expected an absolute http(s) URL, such as \"https://example.com\" or \"https://"
                    + RespondConfig.REQUEST_HOST + "\" for the request's host, or a path such as \"/new\", in the"
                    + " characters a URI allows (percent-encode others), got \"" + location + "\"");
        } else if (url.group("port") != null && !(Integer.parseInt(url.group("port")) >= 1
                && Integer.parseInt(url.group("port")) <= 65535)) {
            s.problem("location", "port " + url.group("port") + " of \"" + location + "\" is not 1-65535");
        } else if (keepPath && location.indexOf('?') >= 0) {
            s.problem("location", "has a query, behind which keep-path would put the request's path: leave the query"
                    + " out, or set keep-path = false");
        } else if (keepPath && location.indexOf('#') >= 0) {
            s.problem("location", "has a fragment, behind which keep-path would put the request's path: leave the"
                    + " fragment out, or set keep-path = false");
        }
    }
}
