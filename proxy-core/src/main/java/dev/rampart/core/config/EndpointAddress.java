package dev.rampart.core.config;

import java.util.Locale;

/**
 * One upstream endpoint: {@code host:port}, {@code http://host:port} or {@code https://host:port}.
 *
 * @param tls whether the proxy speaks TLS to it ({@code https://})
 */
public record EndpointAddress(boolean tls, String host, int port) {

    /**
     * Parses an endpoint as written in the config.
     *
     * @throws IllegalArgumentException with a message that says what was expected
     */
    public static EndpointAddress parse(String text) {
        String rest = text.trim();
        boolean tls = false;
        int defaultPort = -1;
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            tls = true;
            defaultPort = 443;
            rest = rest.substring("https://".length());
        } else if (lower.startsWith("http://")) {
            defaultPort = 80;
            rest = rest.substring("http://".length());
        } else if (rest.contains("://")) {
            throw new IllegalArgumentException("unsupported scheme in \"" + text + "\" (expected: http:// or https://)");
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/")) {
            throw new IllegalArgumentException("an endpoint has no path: \"" + text + "\" (expected: host:port)");
        }
        String host;
        String portText;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 literal in \"" + text + "\"");
            }
            host = rest.substring(1, close);
            portText = close + 1 < rest.length() && rest.charAt(close + 1) == ':' ? rest.substring(close + 2) : null;
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
            portText = colon < 0 ? null : rest.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in \"" + text + "\" (expected: host:port)");
        }
        if (rest.startsWith("[") ? !isIpv6Literal(host) : !isHostName(host)) {
            // Credentials (user:pw@host) would be shown by /admin/routes and never sent; a colon outside
            // brackets is an IPv6 address whose port cannot be told apart; spaces and the like are typos.
            throw new IllegalArgumentException("bad host in \"" + text + "\" (expected: a name, an IPv4 address or"
                    + " an [IPv6] address, then :port; no user:password@)");
        }
        int port;
        if (portText == null) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException("missing port in \"" + text + "\" (expected: host:port)");
            }
            port = defaultPort;
        } else {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in \"" + text + "\" (expected: 1-65535)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad port in \"" + text + "\" (expected: 1-65535)");
            }
        }
        return new EndpointAddress(tls, host, port);
    }

    static boolean isHostName(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv6Literal(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                return false;
            }
        }
        return host.indexOf(':') >= 0;
    }

    /** {@code host:port}, the form used in metrics labels, logs and the default {@code Host} header. */
    public String authority() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The form it was configured in, with the scheme when it matters. */
    @Override
    public String toString() {
        return tls ? "https://" + authority() : authority();
    }
}
