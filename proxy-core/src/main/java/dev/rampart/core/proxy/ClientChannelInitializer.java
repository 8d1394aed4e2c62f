package dev.rampart.core.proxy;

import dev.rampart.core.bytes.ReadBufferFallback;
import dev.rampart.core.config.AddressRange;
import dev.rampart.core.config.ServerConfig;
import dev.rampart.core.observe.LogText;
import dev.rampart.core.observe.ProxyProtocolFailure;
import dev.rampart.core.observe.WarningSpell;
import dev.rampart.core.tls.HandshakeFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pipeline of an accepted client connection:
 * [PROXY protocol header, then the rest is added] → [TLS] → byte watch (starts the head timer) → {@link RequestHeadGuard} around the HTTP/1.1 codec with the
 * configured limits → one message per read → {@link ClientRequestHandler}. Connections beyond {@code max-connections} are closed at once.
 */
final class ClientChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(ClientChannelInitializer.class);
    static final String HTTP_CODEC = "http";
    static final String FLOW_CONTROL = "flow";
    static final String HEAD_SCAN = "head-scan";
    static final String HEAD_MARK = "head-mark";

    private final ProxyRuntime runtime;
    /** Replaced when a reload re-reads the certificate (rotation); each connection keeps the one it began with. */
    private volatile SslContext sslContext;
    private final AtomicInteger open = new AtomicInteger();
    /** Refusals within ten seconds of the first are logged together, at its end. */
    private final WarningSpell refusals = new WarningSpell(Duration.ofSeconds(10));
    /** Connections without a PROXY protocol header, logged the same way. */
    private final WarningSpell malformedHeaders = new WarningSpell(Duration.ofSeconds(10));
    private final io.netty.channel.group.ChannelGroup channels =
            new io.netty.channel.group.DefaultChannelGroup("rampart-clients", io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    ClientChannelInitializer(ProxyRuntime runtime, SslContext sslContext) {
        this.runtime = runtime;
        this.sslContext = sslContext;
    }

    void replaceTls(SslContext next) {
        sslContext = next;
    }

    int openConnections() {
        return open.get();
    }

    /** Every open client connection, to close what is left at the end of a drain. */
    io.netty.channel.group.ChannelGroup channels() {
        return channels;
    }

    /** Takes the HTTP handlers out of a client connection's pipeline, for a WebSocket tunnel. */
    static void removeHttpHandlers(ChannelPipeline p) {
        p.remove(HEAD_SCAN);
        p.remove(HEAD_MARK);
        p.remove(FLOW_CONTROL);
        p.remove(HTTP_CODEC);
    }

    /**
     * Counts a client's failed handshake by why it failed, so that clients refused for their certificate show
     * (nginx logs each, Envoy counts them); one by one only at DEBUG, since scanners and TCP health checks
     * fail handshakes all day. Plain HTTP sent to the TLS port is not one: it is answered 400 and logged.
     */
    private void countFailedHandshake(Channel ch, Throwable cause) {
        if (cause == null) {
            return;
        }
        SslHandler tls = ch.pipeline().get(SslHandler.class);
        if (tls == null) {
            return; // the TLS handler taken out for the plain HTTP a client sent
        }
        HandshakeFailure why = HandshakeFailure.of(cause, tls.engine());
        runtime.observer().onClientTlsHandshakeFailed(why.label());
        if (log.isDebugEnabled()) {
            // The causes' messages, escaped, and no stack trace: the JDK quotes the client's bytes (an SNI name
            // with a CR LF in it) in them, which would otherwise forge lines of the log.
            log.debug("TLS handshake with {} failed ({}): {}", ProxyProtocolHeader.clientOf(ch), why.label(),
                    LogText.printable(causes(cause)));
        }
    }

    /** Each exception of the chain, outermost first, as its class and message (at most eight: a cycle ends). */
    private static String causes(Throwable cause) {
        StringBuilder text = new StringBuilder(cause.toString());
        Throwable t = cause.getCause();
        for (int depth = 1; t != null && depth < 8; t = t.getCause(), depth++) {
            text.append("; caused by ").append(t);
        }
        return text.toString();
    }

    /**
     * Counts a connection closed because {@code max-connections} were open, and says so in the log: the first
     * of a spell at once, the others in one line 10 seconds later, so that a flood does not flood the log
     * too. An operator must be able to see clients turned away (nginx logs "worker_connections are not
     * enough", Envoy counts downstream_cx_overflow).
     */
    private void refused(Channel ch, int maxConnections) {
        runtime.observer().onClientConnectionRefused();
        refusals.occurred(ch.eventLoop(),
                () -> log.warn("a client connection was closed at once: max-connections ({}) are open"
                        + " (rampart_connections_refused_total counts them)", maxConnections),
                more -> log.warn("{} more client connection{} closed at once in the last {}s: max-connections ({})"
                        + " are open", more, more == 1 ? " was" : "s were", refusals.length().toSeconds(),
                        maxConnections));
    }

    /**
     * Counts a connection closed because it did not begin with a PROXY protocol header; a malformed one is also
     * a warning (the first of a spell at once, the others together), since it usually means that the
     * balancer in front does not send the header (or that clients reach the listener around it). A timeout or
     * close is at DEBUG only: balancers' TCP health checks connect and close all day.
     */
    private void headerFailed(Channel ch, ProxyProtocolFailure why, Throwable cause) {
        runtime.observer().onProxyProtocolFailed(why);
        if (why != ProxyProtocolFailure.MALFORMED) {
            log.debug("connection from {} closed before its PROXY protocol header was read ({})",
                    ch.remoteAddress(), why.label(), cause);
            return;
        }
        malformedHeaders.occurred(ch.eventLoop(),
                () -> log.warn("a connection from {} was closed: its first bytes are not a PROXY protocol header"
                        + " (server.proxy-protocol = true; a client that reached the listener directly, or a balancer"
                        + " that does not send the header?): {}", ch.remoteAddress(),
                        LogText.printable(innermostMessage(cause))),
                more -> log.warn("{} more connection{} closed in the last {}s without a PROXY protocol header",
                        more, more == 1 ? " was" : "s were", malformedHeaders.length().toSeconds()));
    }

    /** What the decoder said, without the exception classes it was wrapped in; it quotes the client's bytes. */
    private static String innermostMessage(Throwable cause) {
        Throwable innermost = cause;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        return innermost.getMessage() != null ? innermost.getMessage() : innermost.getClass().getSimpleName();
    }

    @Override
    protected void initChannel(Channel ch) {
        ServerConfig server = runtime.current().config().server();
        if (open.incrementAndGet() > server.maxConnections()) {
            open.decrementAndGet();
            refused(ch, server.maxConnections()); // counted and logged before the client can see the close
            ch.close();
            return;
        }
        // Counted from the accept, not from when the HTTP handlers see the connection: one still waiting for its
        // PROXY protocol header is open, and counts against max-connections, all the same.
        runtime.observer().onClientConnection(1);
        ch.closeFuture().addListener(f -> {
            open.decrementAndGet();
            runtime.observer().onClientConnection(-1);
        });
        channels.add(ch);
        ReadBufferFallback.install(ch); // at the direct-memory limit, a small read rather than an ended loop
        ChannelPipeline p = ch.pipeline();
        p.addLast("no-reads-after-close", new NoReadsAfterClose());
        p.addLast("input-shutdown", ClientInputShutdown.INSTANCE);
        if (server.proxyProtocol() && sendsHeader(server, ch)) {
            p.addLast("proxy-protocol-decoder", ProxyProtocolHeader.decoder());
            p.addLast("proxy-protocol", new ProxyProtocolHeader(server.requestHeaderTimeout().toNanos(),
                    this::installHttp, this::headerFailed));
        } else {
            installHttp(ch);
        }
    }

    /**
     * Whether the connection's peer is one whose connections begin with a PROXY header: any, unless
     * {@code proxy-protocol-from} lists the balancers (the others, a probe or a client inside the network, are
     * served as plain HTTP, as HAProxy's {@code expect-proxy} with a source condition does).
     */
    private static boolean sendsHeader(ServerConfig server, Channel ch) {
        if (server.proxyProtocolFrom().isEmpty()) {
            return true;
        }
        return ch.remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                && AddressRange.anyContains(server.proxyProtocolFrom(), peer.getAddress().getAddress());
    }

    /** The TLS and HTTP handlers, at the end of the pipeline: at the accept, or once the PROXY header is read. */
    private void installHttp(Channel ch) {
        ServerConfig server = runtime.current().config().server();
        ChannelPipeline p = ch.pipeline();
        SslContext tls = sslContext;
        RequestHeadGuard heads = new RequestHeadGuard();
        ClientRequestHandler handler = new ClientRequestHandler(runtime, tls != null, heads);
        if (tls != null) {
            SslHandler handshake = tls.newHandler(ch.alloc());
            // A client that stalls its handshake is a client that stalls its request head: the same limit.
            ClientHandshakeBound.install(ch, handshake, server.requestHeaderTimeout().toNanos(),
                    cause -> countFailedHandshake(ch, cause));
            p.addLast("plain-http", new PlainHttpOnTlsPort("tls", "tls-close", HTTP_CODEC,
                    server.requestHeaderTimeout().toNanos()));
            TlsRecordProgress records = new TlsRecordProgress(handshake, handler.awaitedHead());
            handler.followTlsRecords(records);
            p.addLast("tls-records", records);
            p.addLast("tls", handshake);
            p.addLast("tls-close", ClientInputShutdown.INSTANCE);
        }
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(server.maxInitialLine())
                .setMaxHeaderSize(server.maxHeaderSize())
                .setMaxChunkSize(65536)
                .setHeadersFactory(FieldListFactory.heads(server.maxHeaderCount()))
                .setTrailersFactory(FieldListFactory.trailers(server.maxHeaderCount()))
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false);
        p.addLast(HEAD_SCAN, heads.beforeDecoder());
        p.addLast(HTTP_CODEC, new ClientHttpCodec(decoder));
        p.addLast(HEAD_MARK, heads.afterDecoder());
        p.addLast(FLOW_CONTROL, new FlowControlHandler());
        p.addLast("proxy", handler);
    }
}
