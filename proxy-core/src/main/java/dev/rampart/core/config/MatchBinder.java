package dev.rampart.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Binds a route's {@code match}. Names are normalised here, once, so the router compares plainly:
 * methods upper case (methods are case-sensitive on the wire and every standard one is upper case),
 * header names and hosts lower case (both are case-insensitive).
 */
final class MatchBinder {

    /** A DNS name or IPv4 address, optionally behind a single leading {@code *.} wildcard label. */
    private static final Pattern HOST = Pattern.compile(
            "(\\*\\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\\.?");
    private static final Pattern IPV6_LITERAL = Pattern.compile("\\[[0-9a-f:.]+]");

    private MatchBinder() {
    }

    static MatchConfig bind(ConfigSection s) {
        Optional<String> host = s.optionalString("host").flatMap(h -> host(s, h));
        Optional<String> pathPrefix = s.optionalString("path-prefix").map(p -> {
            String normal = UriPaths.matchablePrefix(s, "path-prefix", p);
            return normal == null ? p : normal; // reported; kept as written so that binding goes on
        });
        Optional<Pattern> pathRegex = s.optionalString("path-regex").flatMap(r -> regex(s, "path-regex", r));
        if (s.has("path-prefix") && s.has("path-regex")) {
            s.problem("has both path-prefix and path-regex (expected at most one)");
        }
        if (!s.has("path-prefix") && !s.has("path-regex")) {
            pathPrefix = Optional.of("/");
        }
        Set<String> methods = methods(s, "methods", Set.of());
        // The value itself, not s.list(): that would report a value that is no list a second time.
        if (s.value("methods") instanceof ConfigList written && written.isEmpty()) {
            // Read as written, [] would match no request; taken as "any", it would match every one.
            s.problem("methods", "an empty list matches no request: leave the key out to match any method");
        }
        Map<String, String> headers = headers(s);
        s.finish();
        return new MatchConfig(host, pathPrefix, pathRegex, methods, headers);
    }

    private static Optional<String> host(ConfigSection s, String text) {
        String host = text.trim().toLowerCase(Locale.ROOT);
        if (host.equals("*")) {
            return Optional.empty(); // any host, as Envoy's domains ["*"] and leaving the key out
        }
        if (!HOST.matcher(host).matches() && !IPV6_LITERAL.matcher(host).matches()) {
            ValueReader.mismatch(s.path("host"), "a host name or \"*.suffix\"", s.value("host"), s.problems());
            return Optional.empty();
        }
        if (IPV6_LITERAL.matcher(host).matches()) {
            String address = AddressRange.hostLiteral(host.substring(1, host.length() - 1));
            if (address == null) {
                // Reported here, with the file and line, rather than by the router that would refuse it later.
                ValueReader.mismatch(s.path("host"), "an IPv6 address in brackets, such as [2001:db8::1]",
                        s.value("host"), s.problems());
                return Optional.empty();
            }
            // The form the router matches (RFC 5952's short form, an IPv4 tail as written): what --check and /admin
            // show is then the Host that matches, as for endpoints.
            return Optional.of("[" + address + "]");
        }
        return Optional.of(host);
    }

    /** {@code key}'s regular expression, for request paths in normal form; empty (reported) when it is none or matches none. */
    static Optional<Pattern> regex(ConfigSection s, String key, String text) {
        String unmatchable = UnmatchableRegex.find(text);
        if (unmatchable != null) {
            s.problem(key, "can never match " + unmatchable + " (got " + ValueReader.describe(s.value(key)) + ")");
            return Optional.empty();
        }
        try {
            return Optional.of(Pattern.compile(text));
        } catch (PatternSyntaxException e) {
            String why = e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : "");
            ConfigValue value = s.value(key);
            s.problems().add(s.path(key), "expected a regular expression, got "
                    + ValueReader.describe(value) + " (" + why + ")", value.origin());
            return Optional.empty();
        }
    }

    /** A list of method names, upper-cased; shared with {@code retry.idempotent-methods}. */
    static Set<String> methods(ConfigSection s, String key, Set<String> defaultValue) {
        Optional<List<ConfigValue>> values = s.list(key);
        if (values.isEmpty()) {
            return defaultValue;
        }
        Set<String> methods = new LinkedHashSet<>();
        s.forEachString(key, values.get(), (text, value, path) -> {
            if (!RampartBinder.TOKEN.matcher(text.trim()).matches()) {
                ValueReader.mismatch(path, "an HTTP method", value, s.problems());
            } else {
                methods.add(text.trim().toUpperCase(Locale.ROOT));
            }
        });
        return methods;
    }

    private static Map<String, String> headers(ConfigSection s) {
        Optional<ConfigSection> section = s.optionalSection("headers");
        if (section.isEmpty()) {
            return Map.of();
        }
        ConfigSection h = section.get();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : h.keys()) {
            ConfigValue value = h.value(name);
            if (value == null) {
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!RampartBinder.TOKEN.matcher(name).matches()) {
                h.problem(name, "expected a header name, got " + com.typesafe.config.ConfigUtil.quoteString(name));
                continue;
            }
            // A credential's expected value stays out of error lines (and the reload's ERROR log), as it stays
            // out of /admin/routes.
            boolean secret = RouteRenderer.looksSecret(name);
            if (secret && (value.valueType() == ConfigValueType.LIST || value.valueType() == ConfigValueType.OBJECT)) {
                h.problem(name, "expected a string, got " + (value.valueType() == ConfigValueType.LIST ? "a list"
                        : "an object") + " (not shown: the name suggests a credential)");
                continue;
            }
            String expected = ValueReader.string(value, h.path(name), s.problems());
            if (expected == null) {
                continue;
            }
            if (!expected.equals(expected.strip())) {
                // A field value arrives without the spaces around it (RFC 9110 §5.5): this could never match,
                // and a route meant to refuse the value would let it through without a word.
                h.problem(name, "a header value has no leading or trailing spaces: "
                        + (secret ? "this one (not shown: the name suggests a credential)"
                        : com.typesafe.config.ConfigUtil.quoteString(expected)) + " can never match");
                continue;
            }
            if (headers.putIfAbsent(lower, expected) != null) {
                h.problem(name, "duplicate header \"" + lower + "\" (header names ignore case)");
            }
        }
        h.finish();
        return headers;
    }
}
