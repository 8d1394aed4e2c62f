package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.bytes.ReadBufferFallback;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeadersFactory;
import dev.rampart.core.config.PemFiles;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.tls.CurrentCertificatesTrustManager;
import dev.rampart.core.proxy.FieldListFactory;
import dev.rampart.core.tls.HandshakeBound;
import dev.rampart.core.tls.HandshakeSettings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import io.netty.util.NetUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of an upstream connection: [TLS] → HTTP/1.1 client codec → idle watch → the
 * {@link OriginConnection}. Response heads are limited so a broken or hostile upstream cannot make the
 * proxy buffer an unbounded head.
 */
final class OriginPipeline {

    private static final Logger log = LoggerFactory.getLogger(OriginPipeline.class);

    static final String TLS = "tls";
    static final String HTTP = "http";
    static final String IDLE = "idle";

    /**
     * The most fields an upstream response head, or its trailers, may have; past it the response is malformed
     * (502 {@code UPSTREAM_BAD_RESPONSE}). The 64 KiB head limit alone would let an upstream send 13,000
     * one-letter lines, over a megabyte of heap per response. Ten times Envoy's and HAProxy's default (100):
     * an application's response may carry many {@code Set-Cookie} lines, and refusing it would break the site.
     */
    static final int MAX_RESPONSE_FIELDS = 1_000;
    private static final HttpHeadersFactory RESPONSE_HEADS = FieldListFactory.heads(MAX_RESPONSE_FIELDS);
    private static final HttpHeadersFactory RESPONSE_TRAILERS = FieldListFactory.trailers(MAX_RESPONSE_FIELDS);

    private final ConcurrentHashMap<UpstreamTlsConfig, SslContext> sslContexts = new ConcurrentHashMap<>();
    /** What each TLS setting's trust file held when its context was built, to tell a CA replaced in place. */
    private final ConcurrentHashMap<UpstreamTlsConfig, byte[]> trustRead = new ConcurrentHashMap<>();
    private final int maxResponseHeaderSize;
    /** How long an endpoint that warned of its server name is connected to without one: see {@link #handshakeFailed}. */
    static final Duration WITHOUT_SERVER_NAME = Duration.ofSeconds(60);

    /** Endpoints (host:port) that warned of the server name sent to them, and until when (ticker time). */
    private final ConcurrentHashMap<String, Long> serverNameWarned = new ConcurrentHashMap<>();
    private final Ticker ticker;

    OriginPipeline(int maxResponseHeaderSize, Ticker ticker) {
        this.maxResponseHeaderSize = maxResponseHeaderSize;
        this.ticker = ticker;
    }

    /**
     * Forgets the TLS contexts built so far, so that the next connection of each TLS setting reads its
     * files again (after a reload: a rotated CA or a renewed client certificate replaced in place). Open
     * connections keep theirs. Returns the settings whose trust file now holds something else (or cannot be
     * read): the connections made under them were checked against certificates no longer trusted.
     */
    Set<UpstreamTlsConfig> forgetTlsContexts() {
        Set<UpstreamTlsConfig> trustChanged = new HashSet<>();
        trustRead.forEach((tls, read) -> {
            if (!Arrays.equals(read, readTrust(tls))) {
                trustChanged.add(tls);
            }
        });
        // Kept for the others: their open connections were checked against what the file still holds.
        trustRead.keySet().removeAll(trustChanged);
        sslContexts.clear();
        serverNameWarned.clear(); // a reload may be what followed the endpoint's fix
        return trustChanged;
    }

    /** The trust file's bytes; empty without one, null when it cannot be read. */
    private static byte[] readTrust(UpstreamTlsConfig tls) {
        if (tls.trustCertChain().isEmpty()) {
            return new byte[0];
        }
        try {
            return Files.readAllBytes(tls.trustCertChain().get());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** Builds {@code tls}'s context ahead of its first connection; a failure is that connection's to report. */
    void prepare(UpstreamTlsConfig tls) {
        try {
            sslContext(tls);
        } catch (IllegalStateException e) {
            log.debug("upstream TLS context not built ahead: {}", e.getMessage());
        }
    }

    /** The context built for {@code tls} so far, or null. */
    SslContext contextBuilt(UpstreamTlsConfig tls) {
        return sslContexts.get(tls);
    }

    /**
     * Builds a context for {@code tls} from its files as they are now, and drops it: for a reload, which is refused
     * (and changes nothing) when one of them became unusable after the config was loaded. Throws
     * {@link IllegalStateException} naming the problem.
     */
    void check(UpstreamTlsConfig tls) {
        newContext(tls);
    }

    /** One client TLS context per TLS setting, built on first use and shared by every connection. */
    private SslContext sslContext(UpstreamTlsConfig tls) {
        return sslContexts.computeIfAbsent(tls, t -> {
            if (t.trustCertChain().isPresent()) {
                trustRead.put(t, readTrust(t)); // read before the manager reads it: a change after is seen
            }
            return newContext(t);
        });
    }

    private static SslContext newContext(UpstreamTlsConfig t) {
        try {
            // Netty 4.2 client contexts verify host names by default: the setting must be applied both
            // ways, or verify-hostname = false is silently ignored.
            SslContextBuilder builder = HandshakeSettings.apply(SslContextBuilder.forClient()
                    .endpointIdentificationAlgorithm(t.verifyHostname() ? "HTTPS" : null), t.handshake())
                    // Offer http/1.1 (as curl does): an endpoint that speaks only HTTP/2 over TLS (a gRPC
                    // server, Node's http2 server) then refuses the handshake at once with an alert, where
                    // without an offer it waits for the HTTP/2 preface and the request times out.
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_1_1));
            if (t.trustCertChain().isPresent()) {
                builder.trustManager(CurrentCertificatesTrustManager.trusting(t.trustCertChain().get()));
            }
            if (t.clientCertificate().isPresent()) {
                // Shown only to an endpoint that asks for a certificate (mutual TLS); read again with the
                // trust file after a reload, so a renewed certificate replaced in place is taken up.
                PemFiles.KeyAndChain client = PemFiles.keyAndChain(t.clientCertificate().get());
                builder.keyManager(client.key(), client.chain());
            }
            return builder.build();
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot build the upstream TLS context: " + e.getMessage(), e);
        }
    }

    ChannelInitializer<Channel> initializer(PoolSettings settings, OriginConnection conn) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ReadBufferFallback.install(ch); // at the direct-memory limit, a small read rather than an ended loop
                ChannelPipeline p = ch.pipeline();
                conn.useCodec(addTlsAndCodec(ch, settings));
                long idleMillis = settings.idleTimeout().toMillis();
                // Reader idle only: a pooled connection is parked after it read a whole response, so the time
                // since the last read is the time in the pool. Watching writes as well (all-idle) would give
                // every write to the upstream a promise and a listener just to record its time.
                p.addLast(IDLE, new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
                p.addLast("origin", conn);
            }
        };
    }

    /** Adds TLS (for an {@code https://} endpoint) and the HTTP/1.1 client codec to {@code ch}; returns the codec. */
    OriginHttpCodec addTlsAndCodec(Channel ch, PoolSettings settings) {
        ChannelPipeline p = ch.pipeline();
        if (settings.address().tls()) {
            SSLEngine engine = sslContext(settings.tls())
                    .newEngine(ch.alloc(), settings.address().host(), settings.address().port());
            // Netty 4.2 client contexts verify host names by default: set the algorithm either way.
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm(settings.tls().verifyHostname() ? "HTTPS" : null);
            if (withoutServerName(settings.address().authority())) {
                params.setServerNames(List.of()); // none at all: the JDK would add one for a name with a dot
            } else {
                indicateServerName(params, settings.address().host());
            }
            engine.setSSLParameters(params);
            SslHandler ssl = new SslHandler(engine);
            // Off: tlsHandshake bounds the handshake with connect-timeout, behind the I/O ready when it falls due.
            ssl.setHandshakeTimeoutMillis(0);
            p.addLast(TLS, ssl);
        }
        // Netty bounds a chunk-size line by the initial line's length: chunk extensions, which are passed over,
        // may be as long as the head may be (nginx reads them with no bound at all).
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(maxResponseHeaderSize)
                .setMaxHeaderSize(maxResponseHeaderSize)
                .setMaxChunkSize(65536)
                .setHeadersFactory(RESPONSE_HEADS)
                .setTrailersFactory(RESPONSE_TRAILERS)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                // Identical repeated lengths are one length (RFC 9110 §8.6), as nginx takes them; differing
                // ones stay a malformed response.
                .setAllowDuplicateContentLengths(true);
        OriginHttpCodec codec = new OriginHttpCodec(decoder);
        p.addLast(HTTP, codec);
        return codec;
    }

    /**
     * Sends {@code host} as the server name (SNI) unless it is an address, which RFC 6066 §3 leaves out. The
     * JDK sends it by itself only for names with a dot, so {@code https://backend:8443} (a Compose service)
     * or {@code https://localhost} reached an upstream that picks its certificate by name without one.
     */
    static void indicateServerName(SSLParameters params, String host) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return;
        }
        // A fully qualified name's trailing dot is not part of the name SNI carries (RFC 6066 §3).
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        try {
            params.setServerNames(List.of(new SNIHostName(name)));
        } catch (IllegalArgumentException notAHostName) {
            // A name SNI cannot carry (an underscore, say): connect without one, as the JDK would.
        }
    }

    /**
     * A handshake failed: when the endpoint warned of the server name sent ({@code unrecognized_name} as a
     * warning), it is connected to without one for {@link #WITHOUT_SERVER_NAME}. Apache httpd sends that
     * warning for a name none of its virtual hosts has and goes on to serve its default one, as it would
     * with no name at all; Java ends the handshake on it even as a warning, where OpenSSL clients (curl,
     * nginx) go on. The attempt that learnt it fails (and may be retried); the next ones connect. Only the
     * warning: a fatal alert refuses the connection, and no name would not mend that. For a while only, and
     * forgotten on reload, so that once the virtual host exists, the endpoint gets the name again.
     *
     * @return whether the next connection goes without the server name, and so may well succeed
     */
    boolean handshakeFailed(PoolSettings settings, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (t instanceof SSLException && message != null && message.contains("warning: unrecognized_name")) {
                String endpoint = settings.address().authority();
                if (serverNameWarned.put(endpoint, ticker.read() + WITHOUT_SERVER_NAME.toNanos()) == null) {
                    log.warn("endpoint {} warned that it has no virtual host named {} (unrecognized_name); connecting"
                            + " to it without a server name for {} s", endpoint, settings.address().host(),
                            WITHOUT_SERVER_NAME.toSeconds());
                }
                return true;
            }
        }
        return false;
    }

    private boolean withoutServerName(String endpoint) {
        Long until = serverNameWarned.get(endpoint);
        if (until == null) {
            return false;
        }
        if (until - ticker.read() > 0) {
            return true;
        }
        serverNameWarned.remove(endpoint, until);
        return false;
    }

    /**
     * Completes when the TLS handshake is done, or at once for a plain connection; called once {@code ch} has
     * connected, on its loop. A handshake answered with bytes that are not TLS fails with a short account of them
     * (see {@link NotTlsAnswer}), not all of them.
     *
     * <p>The handshake is part of connecting: one that does not end within {@code connect-timeout} (an endpoint
     * that accepts and never answers it) fails as a connect timeout, as a TCP connect would, with the
     * {@link SslHandshakeTimeoutException} Netty's own timeout gives (its default, 10 s, is beyond most per-try
     * timeouts). The bound is a {@link HandshakeBound}, not Netty's: a handshake answered while the process was
     * stopped completes before the bound that fell due during the stop, rather than failing a healthy endpoint.
     */
    static Future<?> tlsHandshake(Channel ch, PoolSettings settings) {
        SslHandler ssl = (SslHandler) ch.pipeline().get(TLS);
        if (ssl == null) {
            return ch.newSucceededFuture();
        }
        Promise<Channel> handshake = ch.eventLoop().newPromise();
        long millis = Math.max(1, settings.connectTimeout().toMillis());
        HandshakeBound.start(ch, ssl, TimeUnit.MILLISECONDS.toNanos(millis), handshake::tryFailure);
        ssl.handshakeFuture().addListener(hs -> {
            if (hs.isSuccess()) {
                handshake.trySuccess(ch);
            } else {
                handshake.tryFailure(NotTlsAnswer.readable(hs.cause()));
            }
        });
        return handshake;
    }
}
