package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Binds a route's optional {@code cors} block; absent, the route says nothing about CORS and passes the upstream's. */
final class CorsBinder {

    /** In this order in {@code Access-Control-Allow-Methods}; read-only, as it is shared by every config read. */
    static final Set<String> DEFAULT_METHODS =
            Collections.unmodifiableSet(new LinkedHashSet<>(List.of("GET", "HEAD", "POST")));
    static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);

    /**
     * {@code scheme://host[:port]}, the host a name, an IPv4 address or a bracketed IPv6 one, or {@code *.domain}.
     * Any scheme (RFC 3986 §3.1): apps in web views and browser extensions send their own
     * ({@code capacitor://localhost}, {@code tauri://localhost}, {@code chrome-extension://<id>}).
     */
    private static final Pattern ORIGIN = Pattern.compile(
            "[a-z][a-z0-9+.-]*://(\\*\\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\\[[0-9a-f:.]+])(?<port>:[0-9]{1,5})?");

    private CorsBinder() {
    }

    static Optional<CorsConfig> bind(ConfigSection route) {
        return route.optionalSection("cors").map(CorsBinder::cors);
    }

    private static CorsConfig cors(ConfigSection s) {
        List<String> origins = origins(s);
        List<String> methods = List.copyOf(MatchBinder.methods(s, "allow-methods", DEFAULT_METHODS));
        // A list whose every entry was refused above is reported there, not again as empty.
        boolean givenEmpty = s.list("allow-methods").map(List::isEmpty).orElse(true);
        if (methods.isEmpty() && givenEmpty || methods.contains(CorsConfig.ANY)) {
            s.problem("allow-methods", "list the methods a preflight may ask for (e.g. [GET, POST, PUT, DELETE]):"
                    + " an empty list or \"*\" would allow none");
        }
        List<String> headers = names(s, "allow-headers", true);
        List<String> expose = names(s, "expose-headers", false);
        boolean credentials = s.bool("allow-credentials", false);
        Duration maxAge = s.durationOrZero("max-age", DEFAULT_MAX_AGE);
        if (!maxAge.isZero() && maxAge.toSeconds() == 0) {
            s.problem("max-age", "Access-Control-Max-Age is in whole seconds: give at least 1s, or 0s to send none"
                    + " (" + maxAge.toMillis() + " ms would be sent as 0, which browsers read as no caching)");
        }
        if (credentials && origins.equals(List.of(CorsConfig.ANY))) {
            s.problem("allow-credentials", "browsers refuse credentials from a route that allows any origin:"
                    + " list the origins in allow-origins instead of \"*\"");
        }
        s.finish();
        return new CorsConfig(origins, methods, headers, expose, credentials, maxAge);
    }

    private static List<String> origins(ConfigSection s) {
        Optional<List<ConfigValue>> values = s.list("allow-origins");
        if (values.isEmpty() || values.get().isEmpty()) {
            if (!s.has("allow-origins") || values.isPresent()) {
                s.problem("allow-origins", "missing or empty: list the origins allowed to call the route,"
                        + " e.g. [\"https://app.example.com\"] (or [\"*\"] for any)");
            }
            return List.of();
        }
        List<String> origins = new ArrayList<>();
        s.forEachString("allow-origins", values.get(), (text, value, path) -> {
            String origin = text.trim().toLowerCase(Locale.ROOT);
            boolean any = origin.equals(CorsConfig.ANY);
            Matcher parts = ORIGIN.matcher(origin);
            if (any && values.get().size() > 1) {
                s.problems().add(path, "\"*\" allows every origin: it must be the only one listed", value.origin());
            } else if (!any && !parts.matches()) {
                s.problems().add(path, "expected an origin: scheme and host, with a port if not the scheme's"
                        + " default, and nothing after it (\"https://app.example.com\", \"http://localhost:3000\","
                        + " \"https://*.example.com\" for its subdomains, \"capacitor://localhost\" for an app's own"
                        + " scheme), got " + ValueReader.describe(value),
                        value.origin());
            } else if (!any && !portInRange(parts.group("port"))) {
                s.problems().add(path, "the port must be 1–65535, got " + ValueReader.describe(value)
                        + ": no Origin can have it", value.origin());
            } else if (origin.startsWith("https://") && origin.endsWith(":443")
                    || origin.startsWith("http://") && origin.endsWith(":80")) {
                s.problems().add(path, "browsers leave the scheme's default port out of Origin: write "
                        + ValueReader.describe(value).replaceAll(":(443|80)\"$", "\"") + " so that it can match",
                        value.origin());
            } else {
                origins.add(origin);
            }
        });
        return origins;
    }

    /** Whether an origin's {@code :port} (null for none) is one a URL can have. */
    private static boolean portInRange(String port) {
        if (port == null) {
            return true;
        }
        int number = Integer.parseInt(port.substring(1));
        return number >= 1 && number <= 65_535;
    }

    /** Header names (tokens); {@code *} alone too where {@code starAllowed}. Absent: none. */
    private static List<String> names(ConfigSection s, String key, boolean starAllowed) {
        Optional<List<ConfigValue>> values = s.list(key);
        if (values.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        s.forEachString(key, values.get(), (text, value, path) -> {
            String name = text.trim();
            if (name.equals(CorsConfig.ANY) ? !starAllowed || values.get().size() > 1
                    : !RampartBinder.TOKEN.matcher(name).matches()) {
                s.problems().add(path, "expected a header name" + (starAllowed ? " (or \"*\" alone, for any)" : "")
                        + ", got " + ValueReader.describe(value), value.origin());
            } else {
                names.add(name);
            }
        });
        return names;
    }
}
