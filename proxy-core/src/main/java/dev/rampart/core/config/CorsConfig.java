package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A route's {@code cors}: which browser origins may call it, and what the proxy says to them (the Fetch
 * standard's CORS protocol; Envoy's CORS filter, Spring Cloud Gateway's {@code globalcors}).
 *
 * @param allowOrigins     origins in lower case: {@code scheme://host[:port]}, {@code scheme://*.domain[:port]}
 *                         for its subdomains, or {@code *} alone for any
 * @param allowMethods     methods a preflight may ask for
 * @param allowHeaders     request headers a preflight may ask for, or {@code *} alone for any it asks
 * @param exposeHeaders    response headers the page's script may read beyond the CORS-safelisted ones
 * @param allowCredentials whether requests with cookies or HTTP authentication are allowed
 * @param maxAge           how long a browser may keep a preflight's answer
 */
public record CorsConfig(List<String> allowOrigins, List<String> allowMethods, List<String> allowHeaders,
                         List<String> exposeHeaders, boolean allowCredentials, Duration maxAge) {

    public static final String ANY = "*";

    public CorsConfig {
        allowOrigins = List.copyOf(allowOrigins);
        allowMethods = List.copyOf(allowMethods);
        allowHeaders = List.copyOf(allowHeaders);
        exposeHeaders = List.copyOf(exposeHeaders);
    }

    /** Whether any origin is allowed ({@code allow-origins = ["*"]}). */
    public boolean anyOrigin() {
        return allowOrigins.equals(List.of(ANY));
    }

    /** Whether a request's {@code Origin} is allowed: listed (case ignored), or under a listed wildcard. */
    public boolean allowsOrigin(String origin) {
        if (anyOrigin()) {
            return true;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        for (String allowed : allowOrigins) {
            int star = allowed.indexOf("://*.");
            if (star < 0) {
                if (allowed.equals(o)) {
                    return true;
                }
                continue;
            }
            String scheme = allowed.substring(0, star + 3);
            String suffix = allowed.substring(star + 4); // ".domain[:port]"
            if (o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length()) {
                String label = o.substring(scheme.length(), o.length() - suffix.length());
                if (label.chars().noneMatch(c -> c == '/' || c == ':' || c == '@' || c == '?' || c == '#')) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether a preflight may ask for {@code method}. Case is ignored: browsers upper-case only the standard
     * methods, so a script's {@code patch} arrives as written, and the list is upper case.
     */
    public boolean allowsMethod(String method) {
        for (String allowed : allowMethods) {
            if (allowed.equalsIgnoreCase(method)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a preflight may ask for the request header {@code name} (case ignored). */
    public boolean allowsHeader(String name) {
        if (allowHeaders.equals(List.of(ANY))) {
            return true;
        }
        for (String allowed : allowHeaders) {
            if (allowed.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
