package dev.rampart.core.config;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Binds the resolved {@code rampart} tree to a {@link RampartConfig}: the listener-level sections
 * here, upstreams and routes in their own binders. Every default of the contract (PRODUCT.md §2)
 * is written next to the key it belongs to, so reading a line tells both the key and its default.
 */
final class RampartBinder {

    /** An HTTP token (RFC 9110 §5.6.2): what header names and method names are made of. */
    static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /**
     * Why {@code name} is not a header or cookie name (a token, RFC 9110 §5.6.2; a cookie's name is one too, RFC 6265
     * §4.1.1), or null when it is; {@code what} is "header" or "cookie", {@code example} a name of that kind.
     */
    static String notAName(String what, String example, String name) {
        return TOKEN.matcher(name).matches() ? null
                : "expected a " + what + " name (a token such as " + example + "), got " + ConfigUtil.quoteString(name);
    }
    /** A header field value (RFC 9110 §5.5): visible characters, spaces and tabs, and obs-text; nothing else. */
    static final Pattern FIELD_VALUE = Pattern.compile("[\\t\\x20-\\x7E\\x80-\\xFF]*");

    /**
     * Header names the request id may not take: the id is set on the request and the response alike, so it
     * would overwrite their framing (Content-Length, Transfer-Encoding), a hop-by-hop field, the Host the
     * upstream routes by, or a field the proxy itself sets or drops (Via, Forwarded, X-Forwarded-*, X-Real-IP,
     * X-Original-URL, X-Rewrite-URL, Proxy, X-Rampart-Attempt, Proxy-Status, Date, Retry-After).
     */
    private static final Set<String> RESERVED_FOR_REQUEST_ID = Set.of("content-length", "transfer-encoding",
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "upgrade", "host", "via",
            "forwarded", "x-rampart-attempt", "proxy-status", "date", "retry-after", "content-type", "expect",
            "cache-control", "traceparent",
            "tracestate", "baggage", "accept", "authorization", "proxy-authorization", "cookie", "set-cookie",
            "www-authenticate", "allow", "location", "vary", "etag", "range", "expires", "last-modified", "age",
            "pragma", "user-agent", "referer", "origin", "server", "strict-transport-security", "x-real-ip",
            "x-original-url", "x-rewrite-url", "proxy");
    /**
     * Families of fields with a meaning to clients, caches or upstreams (Content-Encoding, If-None-Match...),
     * and every X-Forwarded-* field, which the proxy sets or drops.
     */
    private static final List<String> RESERVED_PREFIXES_FOR_REQUEST_ID =
            List.of("content-", "if-", "accept", "access-control-", "sec-", "x-forwarded-");

    private RampartBinder() {
    }

    /** Binds the whole tree; returns null only when there is no {@code rampart} block at all. */
    static RampartConfig bind(ConfigObject root, Problems problems) {
        ConfigSection top = new ConfigSection("", root, root.origin(), problems);
        Optional<ConfigSection> found = top.optionalSection("rampart");
        top.finish();
        if (found.isEmpty()) {
            if (!top.has("rampart")) {
                problems.add("rampart", "missing (expected a rampart { ... } block)", root.origin());
            }
            return null;
        }
        ConfigSection rampart = found.get();
        ServerConfig server = server(rampart.section("server"));
        AdminConfig admin = admin(rampart.section("admin"), server);
        RequestIdConfig requestId = requestId(rampart.section("request-id"));
        AccessLogConfig accessLog = accessLog(rampart.section("access-log"));
        ConfigSection upstreamsSection = rampart.section("upstreams");
        Set<String> upstreamNames = new LinkedHashSet<>();
        for (String name : upstreamsSection.keys()) {
            if (upstreamsSection.value(name) != null) {
                upstreamNames.add(name); // "app = null" unsets an upstream, as null unsets any HOCON key
            }
        }
        Map<String, UpstreamConfig> upstreams = UpstreamBinder.bindAll(upstreamsSection);
        RateLimitBinder.Named rateLimits = RateLimitBinder.bindNamed(rampart.section("rate-limits"));
        List<RouteConfig> routes = RouteBinder.bindAll(rampart, upstreamNames, requestId.header(), rateLimits);
        rampart.finish();
        return new RampartConfig(server, admin, requestId, accessLog, upstreams, rateLimits.bound(), routes);
    }

    private static ServerConfig server(ConfigSection s) {
        String host = host(s, "0.0.0.0");
        int port = s.port("port", 8080);
        Optional<ServerTlsConfig> tls = s.optionalSection("tls").map(RampartBinder::tls);
        int maxConnections = s.integer("max-connections", 10_000, 1, Integer.MAX_VALUE);
        Duration idleTimeout = s.duration("idle-timeout", Duration.ofSeconds(60));
        Duration requestHeaderTimeout = s.duration("request-header-timeout", Duration.ofSeconds(10));
        Duration requestBodyTimeout = s.duration("request-body-timeout", Duration.ofSeconds(30));
        int maxInitialLine = (int) s.size("max-initial-line", 8 * 1024, 1, Integer.MAX_VALUE);
        int maxHeaderSize = (int) s.size("max-header-size", 16 * 1024, 1, Integer.MAX_VALUE);
        int maxHeaderCount = s.integer("max-header-count", ServerConfig.DEFAULT_MAX_HEADER_COUNT, 1, 100_000);
        long maxRequestBody = s.size("max-request-body", 10L * 1024 * 1024, 1, Long.MAX_VALUE);
        Duration shutdownGrace = s.durationOrZero("shutdown-grace", Duration.ofSeconds(20));
        Duration lingeringTimeout = s.durationOrZero("lingering-timeout", Duration.ofSeconds(5));
        Duration lingeringTime = s.duration("lingering-time", Duration.ofSeconds(30));
        long maxReplayMemory = s.sizeOrAuto("max-replay-memory", ServerConfig.AUTO_REPLAY_MEMORY);
        int maxCompressedResponses = s.integer("max-compressed-responses",
                ServerConfig.DEFAULT_MAX_COMPRESSED_RESPONSES, 0, Integer.MAX_VALUE);
        List<AddressRange> trustedProxies = AddressRangeBinder.bind(s, "trusted-proxies", null);
        int maxRequestsPerConnection = s.integer("max-requests-per-connection",
                ServerConfig.DEFAULT_MAX_REQUESTS_PER_CONNECTION, 0, Integer.MAX_VALUE);
        Set<String> refusedMethods = MatchBinder.methods(s, "refused-methods", ServerConfig.DEFAULT_REFUSED_METHODS);
        if (refusedMethods.contains("*")) {
            s.problem("refused-methods", "\"*\" is no method: list the methods to refuse, such as [TRACE, TRACK]");
        }
        boolean proxyProtocol = s.bool("proxy-protocol", false);
        List<AddressRange> proxyProtocolFrom = AddressRangeBinder.bind(s, "proxy-protocol-from", null);
        if (!proxyProtocol && !proxyProtocolFrom.isEmpty()) {
            s.problem("proxy-protocol-from", "is read only with proxy-protocol = true (the balancers that send the"
                    + " header)");
            proxyProtocolFrom = List.of();
        }
        boolean reusePort = s.bool("reuse-port", false);
        s.finish();
        return new ServerConfig(host, port, tls, maxConnections, idleTimeout, requestHeaderTimeout,
                requestBodyTimeout, maxInitialLine, maxHeaderSize, maxRequestBody, shutdownGrace, lingeringTimeout,
                lingeringTime, maxReplayMemory, trustedProxies, maxRequestsPerConnection, proxyProtocol,
                proxyProtocolFrom, maxHeaderCount, maxCompressedResponses, refusedMethods, reusePort);
    }

    /**
     * Both files are read now, so a typo in a path, a damaged file, a key in another format or a key that
     * belongs to another certificate fails {@code --check} rather than every handshake.
     */
    private static ServerTlsConfig tls(ConfigSection s) {
        TlsConfig certificate = certificateAndKey(s);
        // Null when the value is not one of the three (reported): the trust file is then judged by nothing.
        ServerTlsConfig.ClientAuth clientAuth = s.has("client-auth") ? s.choice("client-auth", null,
                ServerTlsConfig.ClientAuth.values(), a -> a.name().toLowerCase(Locale.ROOT))
                : ServerTlsConfig.ClientAuth.NONE;
        Optional<Path> trust = Optional.empty();
        if (s.has("trust-cert-chain")) {
            trust = Optional.of(trustFile(s));
            if (clientAuth == ServerTlsConfig.ClientAuth.NONE) {
                // A trust file that checks nothing is a mistake, not a setting: say so rather than serve without it.
                s.problem("trust-cert-chain", "clients are not asked for a certificate (client-auth = none);"
                        + " set client-auth = optional or required, or remove trust-cert-chain");
            }
        } else if (clientAuth != null && clientAuth != ServerTlsConfig.ClientAuth.NONE) {
            s.problem("trust-cert-chain", "missing (client-auth = " + clientAuth.name().toLowerCase(Locale.ROOT)
                    + " needs the PEM file of the certificates that client certificates must chain to)");
        }
        TlsHandshakeConfig handshake = TlsHandshakeBinder.bind(s);
        if (Files.isRegularFile(certificate.certChain())) {
            List<X509Certificate> chain = PemFiles.certificates(certificate.certChain()).list();
            String mismatch = chain.isEmpty() ? null
                    : TlsHandshakeBinder.keyMismatch(handshake, chain.get(0).getPublicKey().getAlgorithm());
            if (mismatch != null) {
                s.problem("ciphers", mismatch);
            }
        }
        s.finish();
        return new ServerTlsConfig(certificate.certChain(), certificate.privateKey(),
                clientAuth == null ? ServerTlsConfig.ClientAuth.NONE : clientAuth, trust, handshake);
    }

    /** A {@code trust-cert-chain}: a readable file holding at least one certificate. */
    static Path trustFile(ConfigSection s) {
        return trustFile(s, "trust-cert-chain");
    }

    /** The PEM file of trusted certificates under {@code key}: readable, and holding at least one certificate. */
    static Path trustFile(ConfigSection s, String key) {
        Path trust = readableFile(s, key);
        String problem = readable(trust) ? PemFiles.certificates(trust).problem() : null;
        if (problem != null) {
            s.problem(key, problem);
        }
        return trust;
    }

    /**
     * The {@code cert-chain} and {@code private-key} of {@code s}, both required, both read now and checked to
     * belong together: the listener's, or the client certificate of an upstream's connections.
     */
    static TlsConfig certificateAndKey(ConfigSection s) {
        Path certChain = readableFile(s, "cert-chain");
        Path privateKey = readableFile(s, "private-key");
        if (readable(certChain)) {
            PemFiles.Certificates chain = PemFiles.certificates(certChain);
            String key = chain.problem() == null && readable(privateKey)
                    ? PemFiles.privateKeyProblem(privateKey, chain, certChain) : null;
            if (chain.problem() != null) {
                s.problem("cert-chain", chain.problem());
            } else if (key != null) {
                s.problem("private-key", key);
            }
        }
        return new TlsConfig(certChain, privateKey);
    }

    /**
     * Whether {@code file} is there to be read: one that {@link #readableFile} already refused is not read again,
     * which would say the same thing a second time ("cannot read it: ... Permission denied").
     */
    private static boolean readable(Path file) {
        return Files.isRegularFile(file) && Files.isReadable(file);
    }

    static Path readableFile(ConfigSection s, String key) {
        Optional<String> text = s.optionalString(key);
        if (text.isEmpty()) {
            if (!s.has(key)) {
                s.problem(key, "missing (expected the path of a PEM file)");
            }
            return Path.of("");
        }
        ConfigValue value = s.value(key);
        Path path;
        try {
            path = Path.of(text.get());
        } catch (InvalidPathException e) {
            ValueReader.mismatch(s.path(key), "a file path", value, s.problems());
            return Path.of("");
        }
        if (!Files.isRegularFile(path)) {
            ValueReader.mismatch(s.path(key), "an existing file", value, s.problems());
        } else if (!Files.isReadable(path)) {
            s.problems().add(s.path(key), "expected a readable file, got " + ValueReader.describe(value) + "; "
                    + UnreadableFile.why(path), value.origin());
        }
        return path;
    }

    private static AdminConfig admin(ConfigSection s, ServerConfig server) {
        String host = host(s, "127.0.0.1");
        int port = s.port("port", 9901);
        if (port != 0 && port == server.port()) {
            ConfigValue v = s.value("port");
            String got = v == null ? String.valueOf(port) : ValueReader.describe(v);
            s.problem("port", "expected a port other than rampart.server.port, got " + got);
        }
        s.finish();
        return new AdminConfig(host, port);
    }

    private static RequestIdConfig requestId(ConfigSection s) {
        String header = headerName(s, "header", "X-Request-Id", false);
        // With '_' read as '-', as CGI, WSGI and Rack servers merge the two spellings into one variable: an id
        // header named X_Forwarded_For would replace the dashed chain as its alias (see UnderscoreAliases).
        String lower = header.toLowerCase(Locale.ROOT).replace('_', '-');
        if (RESERVED_FOR_REQUEST_ID.contains(lower) || RESERVED_PREFIXES_FOR_REQUEST_ID.stream().anyMatch(lower::startsWith)) {
            ValueReader.mismatch(s.path("header"), "a header name of its own (this one frames or routes the"
                    + " message, the proxy sets it, or it means something else to clients, caches or upstreams)",
                    s.value("header"), s.problems());
            header = "X-Request-Id";
        }
        boolean trustIncoming = s.bool("trust-incoming", true);
        s.finish();
        return new RequestIdConfig(header, trustIncoming);
    }

    private static AccessLogConfig accessLog(ConfigSection s) {
        boolean enabled = s.bool("enabled", true);
        s.finish();
        return new AccessLogConfig(enabled);
    }

    private static String host(ConfigSection s, String defaultValue) {
        String host = s.string("host", defaultValue);
        String trimmed = host.trim();
        if (trimmed.isEmpty() || !EndpointAddress.isHostName(trimmed) && !EndpointAddress.isIpv6Literal(trimmed)) {
            boolean bracketed = trimmed.length() > 2 && trimmed.startsWith("[") && trimmed.endsWith("]")
                    && EndpointAddress.isIpv6Literal(trimmed.substring(1, trimmed.length() - 1));
            ValueReader.mismatch(s.path("host"), bracketed ? "a host name or address (an IPv6 address without the"
                    + " brackets of a URL: ::1)" : "a host name or address", s.value("host"), s.problems());
            return defaultValue;
        }
        // The rule endpoints follow: 999.1.1.1 would pass --check and fail the start as "no such host", and
        // 127.1 would bind where one resolver reads it and be warned about as no loopback address.
        String problem = EndpointAddress.isHostName(trimmed) ? EndpointAddress.nameProblem(trimmed) : null;
        if (problem != null) {
            s.problems().add(s.path("host"), "bad host \"" + trimmed + "\": " + problem, s.value("host").origin());
            return defaultValue;
        }
        return trimmed;
    }

    /** A header name as written (its case is kept for sending); an HTTP token, or empty when allowed. */
    static String headerName(ConfigSection s, String key, String defaultValue, boolean emptyAllowed) {
        String name = s.string(key, defaultValue);
        if (emptyAllowed && name.isEmpty()) {
            return name;
        }
        if (!TOKEN.matcher(name).matches()) {
            ValueReader.mismatch(s.path(key), emptyAllowed ? "a header name or \"\"" : "a header name",
                    s.value(key), s.problems());
            return defaultValue;
        }
        return name;
    }
}
