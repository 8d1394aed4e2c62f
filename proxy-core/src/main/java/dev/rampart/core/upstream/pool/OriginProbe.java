package dev.rampart.core.upstream.pool;

import dev.rampart.core.bytes.ReadBufferFallback;
import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/**
 * One health-check request, {@code GET path} with the check's {@code Host}, judged by the status of its final response head. It goes on
 * the connection the endpoint's check kept from its last probe when that is still open (never a pooled one, so
 * a probe neither waits behind traffic nor leaves a half-read connection in the pool), else on a fresh one.
 * The whole probe, connect and TLS included, must finish within the timeout.
 *
 * <p>After the head the rest of the response is read, within the same timeout and up to
 * {@link #MOST_BODY_READ}, so that the connection can be kept for the next probe; one the upstream will close,
 * or that ends otherwise, is closed. The probe ends, with the head's status, when the response has been read or
 * its connection closed, so the next one starts its interval after that and never beside it. A kept connection
 * is read while it waits: bytes the upstream sends then, which no request asked for, close it (the codec's rule
 * for every upstream connection), rather than being read as the next probe's answer. A kept connection the
 * upstream closed while it was idle (its keep-alive timeout may be shorter than the check's interval) fails
 * nothing: a probe whose request met a closed or reset connection before any byte of an answer goes again on a
 * fresh one. Without a keeper every probe has a fresh connection, asks for {@code Connection: close} and closes
 * it after the head, as HAProxy's checks do.
 */
final class OriginProbe {

    static final String USER_AGENT = "rampart-health-check";
    /** Past this much body the connection is closed rather than read to the end of the response. */
    static final int MOST_BODY_READ = 64 * 1024;
    private static final String READER = "probe";

    private final EventLoop loop;
    private final OriginPipeline pipeline;
    private final PoolSettings settings;
    private final String path;
    private final String host;
    /** Where the connection goes after a response that allows another; null: closed after each probe. */
    private final KeptProbeConnection.Use keeper;
    private final Promise<Integer> result;
    /** Opens the probe's connection when it has none kept, on a clone of the pools' bootstrap. */
    private final EndpointConnector connector;
    /** Started and cancelled on {@code loop}, as the probe runs there. */
    private final PollFirstTimeout deadline;

    // On the event loop only.
    private Channel channel;
    private OriginHttpCodec codec;
    /** The request went on a connection kept from the probe before. */
    private boolean reused;
    /** The final response head came, with this status: the probe's result once it ends. */
    private boolean headRead;
    private int status;
    /** That head allows another request on the connection. */
    private boolean keepAlive;
    private long bodyRead;
    /** The connection was kept or closed: the probe is over. */
    private boolean released;

    private OriginProbe(EventLoop loop, Bootstrap bootstrap, OriginPipeline pipeline, PoolSettings settings,
                        String path, String host, Duration timeout, int sequence, KeptProbeConnection.Use keeper) {
        this.loop = loop;
        this.pipeline = pipeline;
        this.settings = settings;
        this.path = path;
        this.host = host;
        this.keeper = keeper;
        this.result = loop.newPromise();
        this.connector = EndpointConnector.forProbe(loop, bootstrap, settings, timeout, sequence,
                keeper == null ? null : keeper.answers());
        // Behind the I/O ready when it falls due: after a stop of the whole process an answer that came during it
        // decides the probe, rather than failing a healthy endpoint's check (PollFirstTimeout).
        this.deadline = PollFirstTimeout.start(loop, timeout.toNanos(), () -> {
            if (headRead) {
                release(false); // a body that did not end in time: the head's status stands, the connection goes
            } else {
                result.tryFailure(new TimeoutException("health check timed out after " + timeout.toMillis() + " ms"));
            }
        });
    }

    /** Starts a probe; must be called on {@code loop}, the loop of the keeper's connection. */
    static Future<Integer> run(EventLoop loop, Bootstrap bootstrap, OriginPipeline pipeline, PoolSettings settings,
                               String path, String host, Duration timeout, int sequence,
                               KeptProbeConnection.Use keeper) {
        OriginProbe probe = new OriginProbe(loop, bootstrap, pipeline, settings, path, host, timeout, sequence,
                keeper);
        probe.result.addListener(f -> {
            if (!f.isSuccess()) {
                probe.release(false); // failed, timed out or cancelled: its connection has nothing more to give
            }
        });
        Channel kept = keeper == null ? null : keeper.take();
        if (kept != null) {
            // The name is asked again when due, and a connection to an address it has left goes, as a pool's
            // would: probed on, it would speak for an address traffic no longer reaches.
            probe.connector.askAgainIfDue();
            if (!probe.connector.stillAnswered(kept)) {
                kept.close();
                kept = null;
            }
        }
        if (kept != null) {
            probe.send(kept, true);
        } else {
            probe.connect();
        }
        return probe.result;
    }

    private void connect() {
        // Every address of the endpoint's name, in turn, as traffic connects: a probe that tried only the
        // first would call unhealthy an endpoint that traffic reaches on its second (localhost on ::1). And
        // each probe from the next address on, as new connections do: one that always began with an address
        // that never answers would spend its whole timeout there, every time.
        Future<Channel> connect = connector.connect(
                () -> new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ReadBufferFallback.install(ch);
                        pipeline.addTlsAndCodec(ch, settings);
                        ch.pipeline().addLast(READER, new ResponseReader());
                    }
                });
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            Channel ch = connect.getNow();
            if (result.isDone()) {
                ch.close(); // timed out or cancelled while connecting
                return;
            }
            channel = ch;
            OriginPipeline.tlsHandshake(ch, settings).addListener(hs -> {
                if (!hs.isSuccess()) {
                    pipeline.handshakeFailed(settings, hs.cause());
                    result.tryFailure(hs.cause());
                    return;
                }
                if (result.isDone() || ch.eventLoop().isShuttingDown()) {
                    ch.close(); // timed out or cancelled during the handshake, or the loop is ending: nothing to send
                    result.tryFailure(new CancellationException("health check stopped"));
                    return;
                }
                send(ch, false);
            });
        });
    }

    private void send(Channel ch, boolean onKept) {
        channel = ch;
        reused = onKept;
        codec = ch.pipeline().get(OriginHttpCodec.class);
        if (onKept) {
            ch.pipeline().replace(READER, READER, new ResponseReader()); // the last probe's reader is done
        }
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers()
                .set(HttpHeaderNames.HOST, host)
                .set(HttpHeaderNames.USER_AGENT, USER_AGENT); // no Content-Length: a GET has no body
        if (keeper == null) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ch.writeAndFlush(request).addListener(w -> {
            if (w.isSuccess()) {
                ch.read();
            } else {
                failedBeforeHead(ch, w.cause());
            }
        });
    }

    /**
     * The connection failed before the final head. On a kept connection with no byte of an answer yet, the
     * upstream most likely closed it while it was idle: the probe goes again on a fresh one, once.
     */
    private void failedBeforeHead(Channel ch, Throwable cause) {
        if (ch != channel || result.isDone()) {
            return;
        }
        if (reused && !codec.responseBytesSeen()) {
            reused = false;
            channel = null;
            ch.close();
            connect();
            return;
        }
        result.tryFailure(cause);
    }

    /**
     * Ends the probe's use of its connection, kept for the next probe if {@code reusable}, else closed; then the
     * probe, with the head's status if it came (else it has failed already).
     */
    private void release(boolean reusable) {
        if (released) {
            return;
        }
        released = true;
        deadline.cancel();
        Channel ch = channel;
        if (ch != null) { // else not connected yet: the connect's listener closes what it opens, the result done
            if (reusable && keeper != null && ch.isActive() && !codec.responseEndInDoubt()) {
                keeper.keep(ch);
                ch.read(); // watched while it waits: what comes unasked closes it (OriginHttpCodec)
            } else {
                ch.close();
            }
        }
        if (headRead) {
            result.trySuccess(status);
        }
    }

    /** Completes the probe with the status of the final response head, then reads the body to its end. */
    private final class ResponseReader extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (ctx.channel() != channel || released) {
                    return;
                }
                if (msg instanceof HttpResponse response && !readHead(response)) {
                    return;
                }
                if (msg instanceof HttpContent content && headRead) {
                    bodyRead += content.content().readableBytes();
                    if (content.decoderResult().isFailure() || bodyRead > MOST_BODY_READ) {
                        release(false);
                    } else if (content instanceof LastHttpContent) {
                        release(keepAlive);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        /** Whether the response goes on: false for an interim head, and for one that ended the probe. */
        private boolean readHead(HttpResponse response) {
            int code = response.status().code();
            if (response.decoderResult().isFailure()) {
                // Malformed, or cut off before its end: traffic would get UPSTREAM_BAD_RESPONSE or
                // UPSTREAM_RESET from this endpoint, so its check fails too.
                result.tryFailure(new IOException("malformed response head", response.decoderResult().cause()));
                return false;
            }
            if (code >= 100 && code < 200 && code != 101) {
                return false; // interim (103 Early Hints, 100 Continue): the final head follows (RFC 9110 §15.2)
            }
            headRead = true;
            status = code;
            keepAlive = code != 101 && HttpUtil.isKeepAlive(response); // after a 101 it speaks another protocol
            if (keeper == null || !keepAlive) {
                release(false); // nothing of the connection is wanted after the head
                return false;
            }
            return true;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (ctx.channel() == channel && !released) {
                ctx.read(); // autoRead is off on upstream channels: ask for the rest of the response
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            ended(ctx, new IOException("connection closed before a response"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ended(ctx, cause);
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslCloseCompletionEvent) {
                // The endpoint's TLS close_notify: it sends nothing more (RFC 8446 §6.1), whether or not it closes
                // TCP too, so the connection carries no next probe (one in flight goes again on a fresh one).
                ctx.close();
                return;
            }
            ReferenceCountUtil.release(evt);
        }

        private void ended(ChannelHandlerContext ctx, Throwable cause) {
            if (headRead) {
                if (ctx.channel() == channel) {
                    release(false); // cut off in the body: the status stands, the connection is done
                }
            } else {
                failedBeforeHead(ctx.channel(), cause);
            }
        }
    }
}
