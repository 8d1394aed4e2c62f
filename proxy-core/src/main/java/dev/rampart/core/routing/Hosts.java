package dev.rampart.core.routing;

import dev.rampart.core.config.AddressRange;

import java.util.Locale;

/**
 * Host-name handling shared by the compiler and the matcher. Request hosts are compared in place, by
 * an end offset and ASCII case folding, so that a {@code Host: API.example.com:8080} header costs no
 * substring and no lower-cased copy. Host names on the wire are ASCII (IDNs travel as punycode), so
 * ASCII folding is both sufficient and the same at compile time and at request time.
 */
final class Hosts {

    private Hosts() {
    }

    /**
     * The length of the host part of a {@code Host} value: the port is dropped, and so is one trailing
     * dot ({@code example.com.} is the same name as {@code example.com}, as nginx treats it). An IPv6
     * literal keeps its brackets: {@code [::1]:8080} ends after {@code ]}.
     */
    static int hostEnd(String host) {
        int len = host.length();
        int end;
        if (len > 0 && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            end = close < 0 ? len : close + 1;
        } else {
            int colon = host.indexOf(':');
            end = colon < 0 ? len : colon;
        }
        if (end > 0 && host.charAt(end - 1) == '.') {
            end--;
        }
        return end;
    }

    /**
     * The canonical form of a configured host: lower case, no trailing dot, IPv6 literals in brackets.
     * A wildcard keeps its {@code *.} prefix; a lone {@code *} (any host, as in Envoy) stays {@code *}.
     *
     * @throws IllegalArgumentException when the value carries a port or a misplaced {@code *}: the
     *                                  request's port is ignored, so such a route could never match
     */
    static String canonical(String configured) {
        String host = configured.trim();
        if (host.equals("*")) {
            return host;
        }
        boolean wildcard = host.startsWith("*.");
        String name = wildcard ? host.substring(2) : host;
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (name.isEmpty() || name.indexOf('*') >= 0 || name.startsWith(".")) {
            throw new IllegalArgumentException("match.host: \"" + configured
                    + "\" (expected: an exact host such as api.example.com, or *.example.com)");
        }
        if (name.startsWith("[")) {
            if (!name.endsWith("]")) {
                throw new IllegalArgumentException("match.host: \"" + configured
                        + "\" (expected: no port; the request's port is ignored when matching)");
            }
            name = ipv6Literal(configured, name.substring(1, name.length() - 1));
        } else {
            int colons = (int) name.chars().filter(c -> c == ':').count();
            if (colons == 1) {
                throw new IllegalArgumentException("match.host: \"" + configured
                        + "\" (expected: no port; the request's port is ignored when matching)");
            }
            if (colons > 1) {
                name = "[" + name + "]";
            }
        }
        if (wildcard && name.startsWith("[")) {
            throw new IllegalArgumentException("match.host: \"" + configured
                    + "\" (expected: a wildcard over a domain name, not an IP literal)");
        }
        String lower = asciiLowerCase(name);
        return wildcard ? "*." + lower : lower;
    }

    /**
     * An IPv6 literal in brackets, in the form clients send it in {@code Host} (RFC 5952's: {@code [::1]}, never
     * {@code [0:0:0:0:0:0:0:1]}), which is compared as text; one with an IPv4 tail as written.
     */
    private static String ipv6Literal(String configured, String address) {
        String literal = AddressRange.hostLiteral(address);
        if (literal == null) {
            throw new IllegalArgumentException("match.host: \"" + configured + "\" (expected: an exact host such as"
                    + " api.example.com, or an IPv6 address in brackets such as [2001:db8::1])");
        }
        return "[" + literal + "]";
    }

    static String asciiLowerCase(String s) {
        // Locale.ROOT lower-casing equals ASCII folding for the ASCII names accepted on the wire.
        return s.toLowerCase(Locale.ROOT);
    }

    static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Hash of {@code host[0, end)} folded to lower case; equals {@code lowerKey.hashCode()} for its key. */
    static int hash(String host, int end) {
        int h = 0;
        for (int i = 0; i < end; i++) {
            h = 31 * h + lower(host.charAt(i));
        }
        return h;
    }

    /** Whether {@code host[0, end)} equals the lower-case key, ignoring ASCII case. */
    static boolean equalsKey(String lowerKey, String host, int end) {
        if (lowerKey.length() != end) {
            return false;
        }
        for (int i = 0; i < end; i++) {
            if (lower(host.charAt(i)) != lowerKey.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code host[0, end)} ends with the lower-case {@code .suffix} and has at least one
     * character before it: {@code *.example.com} takes {@code a.example.com} and {@code a.b.example.com},
     * never {@code example.com} itself.
     */
    static boolean endsWithSuffix(String host, int end, String lowerDotSuffix) {
        int n = lowerDotSuffix.length();
        int start = end - n;
        if (start < 1) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (lower(host.charAt(start + i)) != lowerDotSuffix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
