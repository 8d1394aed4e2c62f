package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The client-facing listener ({@code rampart.server}).
 *
 * @param requestBodyTimeout longest pause between two chunks of a request body before 408
 *                           (an addition to the contract's keys: {@code request-body-timeout})
 * @param lingeringTimeout   after an answer that closes the connection, how long the proxy keeps reading and
 *                           dropping what the client still sends before it closes; zero closes at once
 *                           (an addition: {@code lingering-timeout}, as nginx's)
 * @param lingeringTime      the longest the proxy does so in all (an addition: {@code lingering-time})
 * @param maxReplayMemory    the most memory the replay buffers of all requests in flight may hold together, or
 *                           {@link #AUTO_REPLAY_MEMORY} for half of the direct-memory limit (an addition:
 *                           {@code max-replay-memory})
 * @param trustedProxies     the peers whose {@code X-Forwarded-For} names the client (an addition:
 *                           {@code trusted-proxies}); empty: the client is always the connection's peer
 * @param maxRequestsPerConnection the requests one client connection carries before the proxy closes it after
 *                           the last one's answer, 0 for no limit (an addition: {@code max-requests-per-connection},
 *                           nginx's {@code keepalive_requests})
 * @param proxyProtocol            whether every client connection begins with a PROXY protocol header (v1 or v2)
 *                                 that names the client, as L4 load balancers send it; its source address is then
 *                                 the connection's peer
 * @param proxyProtocolFrom        with {@code proxyProtocol}, the peers (the balancers) whose connections begin with
 *                                 the header; any other peer's connection is served as plain HTTP from that peer
 *                                 (an addition: {@code proxy-protocol-from}). Empty: every peer's
 * @param maxHeaderCount           the most header fields a request head, or its trailers, may have (an addition:
 *                                 {@code max-header-count}, Envoy's {@code max_headers_count})
 * @param maxCompressedResponses   the most responses gzipped at once in the process, each holding about 256 KiB
 *                                 of native memory while it streams (an addition: {@code max-compressed-responses})
 */
public record ServerConfig(
        String host,
        int port,
        Optional<ServerTlsConfig> tls,
        int maxConnections,
        Duration idleTimeout,
        Duration requestHeaderTimeout,
        Duration requestBodyTimeout,
        int maxInitialLine,
        int maxHeaderSize,
        long maxRequestBody,
        Duration shutdownGrace,
        Duration lingeringTimeout,
        Duration lingeringTime,
        long maxReplayMemory,
        List<AddressRange> trustedProxies,
        int maxRequestsPerConnection,
        boolean proxyProtocol,
        List<AddressRange> proxyProtocolFrom,
        int maxHeaderCount,
        int maxCompressedResponses,
        Set<String> refusedMethods,
        boolean reusePort) {

    public ServerConfig {
        trustedProxies = List.copyOf(trustedProxies);
        proxyProtocolFrom = List.copyOf(proxyProtocolFrom);
        refusedMethods = Set.copyOf(refusedMethods);
        if (!proxyProtocol && !proxyProtocolFrom.isEmpty()) {
            throw new IllegalArgumentException("proxy-protocol-from without proxy-protocol");
        }
    }

    /**
     * The methods of RFC 9110 and PATCH that the listener lets through to routing, in RFC 9110's order: the
     * {@code Allow} of its 405 (RFC 9110 §15.5.6 requires one), all it can say of a resource the upstream serves.
     * CONNECT is never among them: it is refused with 400 whatever the config says (a reverse proxy opens no tunnels).
     */
    public List<String> routedMethods() {
        return RenderValues.METHOD_ORDER.stream()
                .filter(method -> !method.equals("CONNECT") && !refusedMethods.contains(method)).toList();
    }

    /** 64 MiB of deflate state: ample for short responses, a bound for thousands of compressed event streams. */
    public static final int DEFAULT_MAX_COMPRESSED_RESPONSES = 256;

    /**
     * The methods refused before routing unless {@code refused-methods} says otherwise: TRACE echoes a request,
     * its cookies and credentials included, back to whoever sent it (cross-site tracing), and TRACK is IIS's
     * TRACE; nginx refuses TRACE, and security scanners report both.
     */
    public static final Set<String> DEFAULT_REFUSED_METHODS = Set.of("TRACE", "TRACK");

    /** Envoy's default {@code max_headers_count}. */
    public static final int DEFAULT_MAX_HEADER_COUNT = 100;

    /** nginx's default {@code keepalive_requests}. */
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 1000;

    /** {@code max-replay-memory = auto}: half of what the process may allocate as direct memory. */
    public static final long AUTO_REPLAY_MEMORY = -1;
}
