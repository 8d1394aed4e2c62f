package dev.rampart.core.config;

import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Binds a route's {@code request-headers} and {@code response-headers} ({@link HeaderRules}). Headers the
 * proxy itself decides are refused, each with the reason: a rule that could change the framing, a hop's own
 * fields or the forwarding headers would make the proxy's promises about them untrue, and one the proxy
 * overwrote anyway would be a rule that silently does nothing.
 */
final class HeaderRulesBinder {

    /** Printable ASCII and tab: a header value, without the bytes above ASCII whose encoding nobody agreed on. */
    private static final Pattern ASCII_FIELD_VALUE = Pattern.compile("[\\t\\x20-\\x7E]*");

    private static final String FRAMING = "framing is the proxy's: it sends the length of the body it forwards";
    private static final String HOP_BY_HOP = "a hop-by-hop header: it belongs to one connection and never crosses"
            + " the proxy";
    private static final String CODING = "it names the coding of the body the proxy relays as it came (or, on a"
            + " compression route, as it gzipped it): changed, the body would be decoded wrongly or not at all";

    /**
     * The hop-by-hop fields, which no rule may name either way: the proxy's own connection handling drops them
     * (the proxy package's {@code KnownFields} lists the same names, for the relay).
     */
    private static final List<String> HOP_BY_HOP_NAMES = List.of("connection", "keep-alive", "proxy-connection", "te",
            "upgrade", "proxy-authorization", "proxy-authenticate", "http2-settings");

    /** Request headers a rule may not name, lower case, with the reason. */
    private static final Map<String, String> REQUEST_FORBIDDEN = forbiddenWithHopByHop(
            "host", "the Host sent upstream is chosen by preserve-host (false: the endpoint's host:port; true: the"
                    + " client's)",
            "content-length", FRAMING, "transfer-encoding", FRAMING, "content-encoding", CODING,
            "expect", "the proxy answers the client's Expect itself",
            "x-forwarded-for", forwarding("X-Forwarded-For"), "x-real-ip", forwarding("X-Real-IP"),
            "x-forwarded-prefix", "set by the proxy to the prefix a rewrite removed",
            "x-forwarded-client-cert", "set by the proxy from the certificate the client presented",
            "via", forwarding("Via"), "x-rampart-attempt", "set by the proxy to the attempt's number",
            "traceparent", "the proxy passes the caller's trace on, or starts one",
            "tracestate", "the proxy passes it on with the trace it belongs to");

    /**
     * Request headers the proxy sets that a route may only {@code set}, to a fixed value of the operator's: what a
     * load balancer in front that terminates TLS, or serves another name, knows and the proxy does not.
     */
    private static final Map<String, String> REQUEST_SET_ONLY = forbidden(
            "x-forwarded-proto", setOnly("X-Forwarded-Proto", "https"),
            "x-forwarded-host", setOnly("X-Forwarded-Host", "www.example.com"));

    /** Response headers a rule may not name, lower case, with the reason. */
    private static final Map<String, String> RESPONSE_FORBIDDEN = forbiddenWithHopByHop(
            "content-length", FRAMING, "transfer-encoding", FRAMING, "content-encoding", CODING,
            "proxy-status", "set by the proxy on the answers it makes itself");

    /**
     * Why no route may set the request header of this spelling (lower case, {@code _} as {@code -}), or null
     * when one may: the proxy sets it itself (the request id's header included), or it frames the message.
     */
    static String forbiddenRequestHeader(String spelled, String requestIdHeader) {
        if (!requestIdHeader.isEmpty() && HeaderRules.spelling(requestIdHeader).equals(spelled)) {
            return "set by the proxy to the request id (request-id.header)";
        }
        String reason = REQUEST_FORBIDDEN.get(spelled);
        return reason != null ? reason : REQUEST_SET_ONLY.get(spelled);
    }

    /** Which way the rules apply, for the names they may not touch. */
    enum Side { REQUEST, RESPONSE }

    private HeaderRulesBinder() {
    }

    /**
     * The rules under {@code key} of a route; {@link HeaderRules#NONE} when absent.
     *
     * @param requestIdHeader the header {@code request-id.header} names, which the proxy sets both ways
     * @param respondRoute    whether the route answers by itself, whose {@code respond.content-type} is the one
     */
    static HeaderRules bind(ConfigSection route, String key, Side side, String requestIdHeader, boolean respondRoute) {
        Optional<ConfigSection> section = route.optionalSection(key);
        if (section.isEmpty()) {
            return HeaderRules.NONE;
        }
        ConfigSection s = section.get();
        Map<String, String> reasons = new HashMap<>(side == Side.REQUEST ? REQUEST_FORBIDDEN : RESPONSE_FORBIDDEN);
        if (!requestIdHeader.isEmpty()) {
            reasons.put(HeaderRules.spelling(requestIdHeader), "set by the proxy to the request id"
                    + " (request-id.header)");
        }
        if (respondRoute && side == Side.RESPONSE) {
            reasons.put("content-type", "a direct response's type is respond.content-type");
        }
        Map<String, String> seen = new HashMap<>(); // HeaderRules.spelling to the key that named it first
        Map<String, String> set = values(s, "set", side, reasons, seen);
        if (side == Side.REQUEST) {
            reasons.putAll(REQUEST_SET_ONLY);
        }
        Map<String, String> add = values(s, "add", side, reasons, seen);
        List<String> remove = names(s, side, reasons, seen);
        s.finish();
        return new HeaderRules(set, add, remove);
    }

    private static Map<String, String> values(ConfigSection s, String key, Side side, Map<String, String> reasons,
                                              Map<String, String> seen) {
        Map<String, String> values = new LinkedHashMap<>();
        Optional<ConfigSection> section = s.optionalSection(key);
        if (section.isEmpty()) {
            return values;
        }
        ConfigSection h = section.get();
        for (String name : h.keys()) {
            ConfigValue value = h.value(name);
            if (value == null || !acceptedName(h, name, name, side, reasons, seen, s.path(key))) {
                continue;
            }
            if (value.valueType() == ConfigValueType.OBJECT) {
                // HOCON reads an unquoted X.Y = v as X { Y = v }: say so rather than only "got an object".
                h.problem(name, "expected a header value, got an object (a header name with a dot in it must be"
                        + " quoted: \"" + name + ".…\" = value)");
                continue;
            }
            String text = ValueReader.string(value, h.path(name), h.problems());
            if (text != null && acceptedValue(h, name, text)) {
                values.put(name, text);
            }
        }
        h.finish();
        return values;
    }

    private static List<String> names(ConfigSection s, Side side, Map<String, String> reasons,
                                      Map<String, String> seen) {
        List<String> names = new java.util.ArrayList<>();
        Optional<List<ConfigValue>> list = s.list("remove");
        if (list.isEmpty()) {
            return names;
        }
        s.forEachString("remove", list.get(), (name, value, path) -> {
            if (acceptedName(s, "remove", name, side, reasons, seen, path)) {
                names.add(name);
            }
        });
        return names;
    }

    /** A header name a rule may use, not named by an earlier rule of the block; reports why not otherwise. */
    private static boolean acceptedName(ConfigSection s, String key, String name, Side side,
                                        Map<String, String> reasons, Map<String, String> seen, String where) {
        if (!RampartBinder.TOKEN.matcher(name).matches()) {
            s.problem(key, "expected a header name, got " + ConfigUtil.quoteString(name));
            return false;
        }
        // Refused or counted twice in every spelling: remove = [Content_Length] cannot take the framing with it.
        String spelled = HeaderRules.spelling(name);
        String reason = reasons.get(spelled);
        if (reason == null && side == Side.REQUEST && name.indexOf('_') >= 0) {
            // Even in set: a set name goes in every spelling (see RouteHeaders), so X_Forwarded_Proto would drop
            // the proxy's X-Forwarded-Proto and put in its place a field only CGI-style servers read as it. Only on
            // requests: a response's rule names itself alone, and the proxy sets neither field on responses.
            reason = REQUEST_SET_ONLY.get(spelled);
        }
        if (reason != null) {
            s.problem(key, name + " cannot be changed by a route: " + reason);
            return false;
        }
        String first = seen.putIfAbsent(spelled, where);
        if (first != null) {
            s.problem(key, name + " is already named in " + first + " (header names ignore case, and CGI, WSGI and"
                    + " Rack servers read _ as -; a header may be removed, set or added, once)");
            return false;
        }
        return true;
    }

    private static boolean acceptedValue(ConfigSection h, String name, String value) {
        if (value.isEmpty()) {
            h.problem(name, "an empty value (to drop the header, list it in remove)");
        } else if (!ASCII_FIELD_VALUE.matcher(value).matches()) {
            // A line break would end the header and start another; text above ASCII has no agreed encoding in
            // HTTP/1.1 and reaches the other side as whatever bytes it was squeezed into.
            h.problem(name, "must be a header value in printable ASCII: no line breaks, other control"
                    + " characters or text above ASCII (percent-encode it)");
        } else if (!value.equals(value.strip())) {
            // The value of an Authorization or X-Api-Key, often from the environment, is not quoted into a problem
            // a reload logs: /admin/routes hides it for the same names.
            h.problem(name, "a header value has no leading or trailing spaces: " + (RouteRenderer.looksSecret(name)
                    ? "its value (not shown: the name suggests a credential)" : ConfigUtil.quoteString(value))
                    + " would not arrive as written");
        } else {
            return true;
        }
        return false;
    }

    private static String forwarding(String header) {
        return "set by the proxy on every request (" + header + " tells the upstream where the request came from)";
    }

    private static String setOnly(String header, String example) {
        return "set by the proxy on every request; a route may only set it to a fixed value (set { \""
                + header + "\" = \"" + example + "\" })";
    }

    /** The names and reasons given, and every hop-by-hop name with its reason. */
    private static Map<String, String> forbiddenWithHopByHop(String... nameThenReason) {
        Map<String, String> map = new HashMap<>(forbidden(nameThenReason));
        for (String name : HOP_BY_HOP_NAMES) {
            map.put(name, HOP_BY_HOP);
        }
        return Map.copyOf(map);
    }

    private static Map<String, String> forbidden(String... nameThenReason) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < nameThenReason.length; i += 2) {
            map.put(nameThenReason[i], nameThenReason[i + 1]);
        }
        return Map.copyOf(map);
    }
}
