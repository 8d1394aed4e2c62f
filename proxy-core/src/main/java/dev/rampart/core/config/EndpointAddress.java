package dev.rampart.core.config;

import io.netty.util.NetUtil;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * One upstream endpoint: {@code host:port}, {@code http://host:port} or {@code https://host:port}.
 *
 * @param tls whether the proxy speaks TLS to it ({@code https://})
 * @param host a name in lower case, or an IPv6 address (without brackets) in RFC 5952's form
 */
public record EndpointAddress(boolean tls, String host, int port) {

    /**
     * Parses an endpoint as written in the config.
     *
     * @throws IllegalArgumentException with a message that says what was expected
     */
    public static EndpointAddress parse(String text) {
        // What messages quote: a password, or a token in a query, stays out of the logs a reload writes them to.
        String shown = UriRedaction.credentialsAndQuery(text);
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
            throw new IllegalArgumentException("unsupported scheme in \"" + shown + "\" (expected: http:// or https://)");
        }
        if (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        if (rest.contains("/")) {
            throw new IllegalArgumentException("an endpoint has no path: \"" + shown + "\" (expected: host:port)");
        }
        String host;
        String portText;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("unterminated IPv6 literal in \"" + shown + "\"");
            }
            host = rest.substring(1, close);
            if (close + 1 < rest.length() && rest.charAt(close + 1) != ':') {
                // RFC 3986 3.2.2: only ":port" may follow the literal; "[::1]8080" is a typo, not port 80.
                throw new IllegalArgumentException("expected :port after the IPv6 address in \"" + shown
                        + "\" (expected: [address]:port)");
            }
            portText = close + 1 < rest.length() ? rest.substring(close + 2) : null;
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
            portText = colon < 0 ? null : rest.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in \"" + shown + "\" (expected: host:port)");
        }
        if (rest.startsWith("[") ? !isIpv6Literal(host) : !isHostName(host)) {
            // Credentials (user:pw@host) would be shown by /admin/routes and never sent; a colon outside
            // brackets is an IPv6 address whose port cannot be told apart; spaces and the like are typos.
            throw new IllegalArgumentException("bad host in \"" + shown + "\" (expected: a name, an IPv4 address or"
                    + " an [IPv6] address, then :port; no user:password@)");
        }
        if (!rest.startsWith("[")) {
            String problem = nameProblem(host);
            if (problem != null) {
                throw new IllegalArgumentException("bad host in \"" + shown + "\": " + problem);
            }
        }
        int port;
        if (portText == null) {
            if (defaultPort < 0) {
                throw new IllegalArgumentException("missing port in \"" + shown + "\" (expected: host:port)");
            }
            port = defaultPort;
        } else {
            try {
                if (!isAsciiDigits(portText)) {
                    throw new NumberFormatException(portText);
                }
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in \"" + shown + "\" (expected: 1-65535)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("bad port in \"" + shown + "\" (expected: 1-65535)");
            }
        }
        // One spelling per endpoint, so that a reload that only writes it otherwise finds the endpoint's breaker,
        // load and health, and metrics keep one label: names ignore case (RFC 4343), and an IPv6 address is
        // written as RFC 5952 says ([0:0::1] is [::1]; an IPv4-mapped one, which the JDK reads as IPv4, as given).
        InetAddress v6 = rest.startsWith("[") ? parsedIpv6(host) : null;
        return new EndpointAddress(tls, v6 instanceof Inet6Address
                ? NetUtil.toAddressString(v6) : host.toLowerCase(Locale.ROOT), port);
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

    /**
     * Why {@code host} (letters, digits, '-', '.', '_' only) can never be reached, or null. A name is
     * dot-separated labels of 1-63 characters, 253 at most in all (one trailing dot allowed). A host whose
     * last label is a number is an IPv4 address and must be four decimal numbers 0-255 without leading
     * zeros: shorthands such as {@code 127.1}, hex or a single number are read differently by different
     * resolvers (Netty's sends them to DNS as names), so they are refused rather than guessed at.
     */
    static String nameProblem(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (name.isEmpty() || name.length() > 253) {
            return "a name is 1 to 253 characters";
        }
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) {
                return "each dot-separated part of a name is 1 to 63 characters";
            }
        }
        String last = labels[labels.length - 1];
        if (isAsciiDigits(last) || last.toLowerCase(Locale.ROOT).startsWith("0x")) {
            // A trailing dot makes 127.0.0.1. a name to look up, which no resolver finds.
            return isDottedQuad(labels) && name.equals(host) ? null
                    : "an IPv4 address is four decimal numbers 0-255 without leading zeros (127.0.0.1)";
        }
        return null;
    }

    /** Whether {@code text} is an IPv4 address as Rampart takes one: four decimal numbers 0-255, no leading zeros. */
    static boolean isIpv4Literal(String text) {
        return isDottedQuad(text.split("\\.", -1));
    }

    private static boolean isDottedQuad(String[] labels) {
        if (labels.length != 4) {
            return false;
        }
        for (String part : labels) {
            if (part.length() > 3 || !isAsciiDigits(part)
                    || part.length() > 1 && part.charAt(0) == '0' || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** Only '0'-'9': {@code Integer.parseInt} and {@code Character.isDigit} take any script's digits. */
    private static boolean isAsciiDigits(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * The key two endpoints are the same under: names ignore case and a trailing dot, IPv6 literals are
     * compared as addresses ({@code [::1]} is {@code [0:0:0:0:0:0:0:1]}). The scheme does not count: one
     * port speaks TLS or plain HTTP, not both, and breakers, loads, health and metrics know an endpoint by
     * its {@code host:port}, so {@code http://h:8443} next to {@code https://h:8443} would share them.
     * Never resolves a name.
     */
    public String identity() {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.indexOf(':') >= 0) {
            InetAddress address = parsedIpv6(h);
            if (address != null) { // else kept as written: the comparison falls back to the text
                h = address.getHostAddress();
            }
        } else if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h + ":" + port;
    }

    static boolean isIpv6Literal(String host) {
        int run = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean hex = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!hex && c != ':' && c != '.') {
                return false; // ASCII only, no zone id (%eth0): a connect target names no interface
            }
            run = hex ? run + 1 : 0;
            if (run > 4) {
                return false; // 1 to 4 digits a group (RFC 4291 2.2), which the JDK's parser does not hold to
            }
        }
        // Then the address grammar itself (RFC 4291 2.2, an IPv4 tail included): "1::2::3" or nine groups
        // would only fail later, as a name no resolver knows, on every request.
        return host.indexOf(':') >= 0 && parsedIpv6(host) != null;
    }

    /**
     * The address an IPv6 literal host stands for, or null when the host is a name or an IPv4 address. Netty's
     * resolver reads fewer IPv6 spellings than the config accepts (an IPv4 tail such as
     * {@code 64:ff9b::192.0.2.33}) and would send the others to DNS as names: connect to this instead.
     */
    public InetAddress ipv6Address() {
        return host.indexOf(':') < 0 ? null : parsedIpv6(host);
    }

    /** Whether the host is a name, resolved for each new connection, rather than an IPv4 or IPv6 address. */
    public boolean isName() {
        return host.indexOf(':') < 0 && !NetUtil.isValidIpV4Address(host);
    }

    /** {@code text} parsed as an IPv6 literal by the JDK (a bracketed literal is parsed, never looked up), or null. */
    private static InetAddress parsedIpv6(String text) {
        try {
            return InetAddress.getByName("[" + text + "]");
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** {@code host:port}, the form used in metrics labels and logs (the {@code Host} is {@link #hostHeader}). */
    public String authority() {
        return uriHost() + ":" + port;
    }

    /** The host as a URI writes it: an IPv6 address in brackets. */
    private String uriHost() {
        return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    }

    /**
     * The {@code Host} a request to this endpoint carries: {@link #authority()} without the port when it is
     * the scheme's default (RFC 9110 §4.2.3), as nginx sends for {@code proxy_pass http://name}; a virtual host
     * or a signature check that compares Host exactly expects {@code name}, not {@code name:80}.
     */
    public String hostHeader() {
        return port == (tls ? 443 : 80) ? uriHost() : authority();
    }

    /** The form it was configured in, with the scheme when it matters. */
    @Override
    public String toString() {
        return tls ? "https://" + authority() : authority();
    }
}
