package dev.rampart.core.proxy;

import dev.rampart.core.config.AddressRange;
import dev.rampart.core.observe.ProxyProtocolFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Reads the PROXY protocol header (v1 text or v2 binary, decoded by Netty's {@link HAProxyMessageDecoder} in
 * front of it) with which an L4 load balancer opens each connection on a listener with
 * {@code server.proxy-protocol = true}, and only then puts the connection's TLS and HTTP handlers in place, so
 * that everything after it (the access log, {@code X-Forwarded-For}, {@code trusted-proxies}, {@code allow-from},
 * rate limits, hashing by client address) takes the client the header names for the connection's peer, as
 * Envoy's proxy_protocol listener filter does. A {@code LOCAL} header (the balancer's own health check), an
 * address family that is not IP and a datagram protocol keep the real peer. A connection whose first bytes are not such a header, or
 * whose header does not arrive within {@code request-header-timeout}, is closed without an answer (the
 * specification asks for that: an answer could be read as the start of another protocol).
 */
final class ProxyProtocolHeader extends ChannelInboundHandlerAdapter {

    /**
     * TLV bytes a v2 header may have beside the largest address block (Unix sockets, 216 bytes): the whole header
     * is at most 16 + 216 + this, 4,328 bytes (AWS, GCP and Azure send well under 1 KiB); larger is malformed.
     */
    static final int MAX_TLV_BYTES = 4096;
    /** The fixed 16 bytes, the largest address block (Unix sockets) and {@link #MAX_TLV_BYTES}. */
    static final int MAX_V2_HEADER_BYTES = 16 + 216 + MAX_TLV_BYTES;

    private static final AttributeKey<InetSocketAddress> DECLARED_CLIENT =
            AttributeKey.valueOf("rampart.proxy-protocol.client");

    /** What becomes of a connection whose header failed: counted and logged by the listener. */
    interface Failures {
        void failed(Channel channel, ProxyProtocolFailure why, Throwable cause);
    }

    private final long timeoutNanos;
    private final Consumer<Channel> installHttp;
    private final Failures failures;
    private ScheduledFuture<?> timeout;
    private boolean done;

    /**
     * @param timeoutNanos how long after the accept the whole header may take
     * @param installHttp  adds the TLS and HTTP handlers at the end of the pipeline, once the header is read
     * @param failures     told of a connection closed for its header
     */
    ProxyProtocolHeader(long timeoutNanos, Consumer<Channel> installHttp, Failures failures) {
        this.timeoutNanos = timeoutNanos;
        this.installHttp = installHttp;
        this.failures = failures;
    }

    /** The decoder to put right in front of this handler. */
    static HAProxyMessageDecoder decoder() {
        return new BoundedProxyProtocolDecoder(MAX_TLV_BYTES, MAX_V2_HEADER_BYTES);
    }

    /** The client of {@code channel}: the one its PROXY protocol header named, else its peer. */
    static SocketAddress clientOf(Channel channel) {
        InetSocketAddress declared = channel.attr(DECLARED_CLIENT).get();
        return declared != null ? declared : channel.remoteAddress();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Not passed on: the HTTP handlers are not there yet; they see the connection become active once the
        // header names its client.
        timeout = ctx.executor().schedule(() -> fail(ctx, ProxyProtocolFailure.TIMEOUT, null), timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.read(); // auto-read is off; the decoder asks for more itself while the header is incomplete
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // nothing else comes before the header; the decoder sees to that
            return;
        }
        InetSocketAddress client;
        try {
            client = declaredClient(header);
        } finally {
            header.release();
        }
        done = true;
        timeout.cancel(false);
        if (client != null) {
            ctx.channel().attr(DECLARED_CLIENT).set(client);
        }
        installHttp.accept(ctx.channel());
        ctx.fireChannelActive();
        // What came behind the header in the same read reaches the HTTP handlers when the decoder, right after
        // this, takes itself out of the pipeline.
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done) {
            fail(ctx, ProxyProtocolFailure.CLOSED, null); // a balancer's TCP health check, or a client that gave up
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Whatever the decoder throws (a header that breaks the specification, a TLV that runs past the end of
        // the header) is a malformed header; an I/O failure is the peer resetting the connection.
        fail(ctx, cause instanceof java.io.IOException ? ProxyProtocolFailure.CLOSED
                : ProxyProtocolFailure.MALFORMED, cause);
    }

    private void fail(ChannelHandlerContext ctx, ProxyProtocolFailure why, Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        failures.failed(ctx.channel(), why, cause);
        ctx.close();
    }

    /**
     * The client a {@code PROXY} header names; null for {@code LOCAL} (the balancer speaking for itself) and
     * for families other than IPv4 and IPv6 ({@code UNKNOWN}, Unix sockets), where the peer stays the client.
     */
    static InetSocketAddress declaredClient(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6
                || header.proxiedProtocol().transportProtocol() != HAProxyProxiedProtocol.TransportProtocol.STREAM) {
            return null; // a datagram's source is no HTTP client: nginx ignores it too
        }
        // The decoder has checked the address's form; reading it from its bytes asks no name service.
        byte[] address = AddressRange.literalBytes(header.sourceAddress());
        if (address == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), header.sourcePort());
        } catch (UnknownHostException impossible) {
            return null; // only for a byte array of another length than 4 or 16
        }
    }
}
