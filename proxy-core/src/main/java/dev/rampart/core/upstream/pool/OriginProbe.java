package dev.rampart.core.upstream.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One health-check request: a fresh connection (never a pooled one, so a probe neither waits behind
 * traffic nor leaves a half-read connection in the pool), {@code GET path} with {@code Connection: close},
 * and the status of the response head. The whole probe, connect and TLS included, must finish within
 * the timeout.
 */
final class OriginProbe {

    static final String USER_AGENT = "rampart-health-check";

    private OriginProbe() {
    }

    static Future<Integer> run(EventLoop loop, Bootstrap bootstrap, OriginPipeline pipeline, PoolSettings settings,
                               String path, Duration timeout, int sequence) {
        Promise<Integer> result = loop.newPromise();
        // Every address of the endpoint's name, in turn, as traffic connects: a probe that tried only the
        // first would call unhealthy an endpoint that traffic reaches on its second (localhost on ::1). And
        // each probe from the next address on, as new connections do: one that always began with an address
        // that never answers would spend its whole timeout there, every time.
        Future<Channel> connect = EndpointConnector.forProbe(loop, bootstrap, settings, sequence).connect(
                () -> new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        pipeline.addTlsAndCodec(ch, settings);
                        ch.pipeline().addLast("probe", new StatusReader(result));
                    }
                });
        ScheduledFuture<?> deadline = loop.schedule(
                () -> result.tryFailure(new TimeoutException("health check timed out after " + timeout.toMillis() + " ms")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.addListener(f -> {
            deadline.cancel(false);
            if (connect.isSuccess()) {
                connect.getNow().close();
            }
        });
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            Channel ch = connect.getNow();
            if (result.isDone()) {
                ch.close(); // timed out while connecting
                return;
            }
            OriginPipeline.tlsHandshake(ch).addListener(hs -> {
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
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
                request.headers()
                        .set(HttpHeaderNames.HOST, settings.address().hostHeader())
                        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE); // no Content-Length: a GET has no body
                ch.writeAndFlush(request).addListener(w -> {
                    if (w.isSuccess()) {
                        ch.read();
                    } else {
                        result.tryFailure(w.cause());
                    }
                });
            });
        });
        return result;
    }

    /** Completes the probe with the status of the first response head; drops everything it reads. */
    private static final class StatusReader extends ChannelInboundHandlerAdapter {
        private final Promise<Integer> result;

        StatusReader(Promise<Integer> result) {
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    int code = response.status().code();
                    if (response.decoderResult().isFailure()) {
                        // Malformed, or cut off before its end: traffic would get UPSTREAM_BAD_RESPONSE or
                        // UPSTREAM_RESET from this endpoint, so its check fails too.
                        result.tryFailure(new java.io.IOException("malformed response head",
                                response.decoderResult().cause()));
                    } else if (code >= 100 && code < 200 && code != 101) {
                        return; // interim (103 Early Hints, 100 Continue): the final head follows (RFC 9110 §15.2)
                    } else {
                        result.trySuccess(code);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!result.isDone()) {
                ctx.read(); // autoRead is off on upstream channels: ask for the rest of the head
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.tryFailure(new java.io.IOException("connection closed before a response"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.tryFailure(cause);
            ctx.close();
        }
    }
}
