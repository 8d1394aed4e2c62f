package dev.rampart.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;

/**
 * A {@link FakeUpstream}'s answer to one request: well-formed, malformed, slow, cut or reset, as the
 * behaviour under test needs. Exactly one answering method should be called.
 */
public final class UpstreamReply {
    private final ChannelHandlerContext ctx;
    private final ByteBuf body;
    private final boolean keepAlive;
    private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

    UpstreamReply(ChannelHandlerContext ctx, ByteBuf body, boolean keepAlive) {
        this.ctx = ctx;
        this.body = body;
        this.keepAlive = keepAlive;
        ctx.channel().closeFuture().addListener(f -> release());
    }

    private void release() {
        // Exactly once: the duplicate shares its reference count with the request, so a count check
        // would let a second call (a reply method, then the close listener) drop the request's share.
        if (released.compareAndSet(false, true)) {
            body.release();
        }
    }

    public void send(int status, String contentType, String text) {
        send(status, contentType, text, new String[0]);
    }

    /** A complete response; {@code headers} are name, value pairs. */
    public void send(int status, String contentType, String text, String... headers) {
        release();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(status), Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        for (int i = 0; i + 1 < headers.length; i += 2) {
            response.headers().add(headers[i], headers[i + 1]);
        }
        write(response);
    }

    /** 200 with the request body as the response body. */
    public void echo() {
        if (!released.compareAndSet(false, true)) {
            return; // the connection closed first and the body is gone with it
        }
        // From here the body belongs to the response, which the encoder releases.
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        response.headers().set("x-body-sha256", FakeUpstream.sha256(body));
        write(response);
    }

    /** A chunked response of {@code chunks} parts with the given text each. */
    public void sendChunked(int status, String... chunks) {
        release();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        HttpUtil.setTransferEncodingChunked(head, true);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
        ctx.write(head);
        for (String chunk : chunks) {
            ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, StandardCharsets.UTF_8)));
        }
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }

    /**
     * Streams {@code totalBytes} of a repeating pattern with Content-Length, writing only while the
     * connection is writable, so a slow reader slows the fake down instead of filling its memory.
     */
    public void stream(long totalBytes) {
        release();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(head, totalBytes);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        ctx.writeAndFlush(head);
        new PatternStreamer(ctx, totalBytes).run();
    }

    /** Sends a head with Content-Length {@code declared}, {@code sent} bytes of body, then resets. */
    public void resetMidBody(int declared, int sent) {
        release();
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setContentLength(head, declared);
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[sent])))
                .addListener(f -> reset());
    }

    /** Closes the connection with a TCP RST. */
    public void reset() {
        release();
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        ctx.close();
    }

    /** Closes the connection without a response. */
    public void close() {
        release();
        ctx.close();
    }

    /** Raw bytes, as they are: for malformed responses. */
    public void raw(String bytes) {
        release();
        // Bypass the codec: write straight to the socket.
        ctx.channel().pipeline().firstContext().writeAndFlush(
                Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Raw bytes, then a clean close once they are all written: an upstream that ends a tunnel. */
    public void rawThenClose(String bytes) {
        release();
        ctx.channel().pipeline().firstContext().writeAndFlush(
                Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Raw bytes through the connection's TLS (an HTTPS fake): for responses the codec would not write. */
    public void rawOverTls(String bytes) {
        release();
        ctx.pipeline().context(HttpServerCodec.class).writeAndFlush(
                Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Sends TLS close_notify and leaves the TCP connection open, as a server waiting for the peer's. */
    public void closeNotify() {
        ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class).closeOutbound();
    }

    /** Raw bytes, {@code bytesPerTick} at a time every {@code tickMillis}: a server that trickles. */
    public void rawTrickle(String bytes, int bytesPerTick, long tickMillis) {
        release();
        byte[] all = bytes.getBytes(StandardCharsets.ISO_8859_1);
        ChannelHandlerContext first = ctx.channel().pipeline().firstContext();
        Runnable[] tick = new Runnable[1];
        int[] offset = {0};
        tick[0] = () -> {
            if (!ctx.channel().isActive() || offset[0] >= all.length) {
                return;
            }
            int n = Math.min(bytesPerTick, all.length - offset[0]);
            first.writeAndFlush(Unpooled.wrappedBuffer(all, offset[0], n));
            offset[0] += n;
            ctx.executor().schedule(tick[0], tickMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
        };
        tick[0].run();
    }

    /** Runs {@code task} after {@code millis} on the fake's event loop. */
    public void after(long millis, Runnable task) {
        ctx.executor().schedule(task, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void write(FullHttpResponse response) {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, "close");
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    private static final class PatternStreamer implements Runnable {
        private static final int CHUNK = 64 * 1024;
        private final ChannelHandlerContext ctx;
        private long remaining;

        PatternStreamer(ChannelHandlerContext ctx, long total) {
            this.ctx = ctx;
            this.remaining = total;
        }

        @Override
        public void run() {
            while (remaining > 0 && ctx.channel().isWritable()) {
                int n = (int) Math.min(CHUNK, remaining);
                // Filled as an array and written once: under paranoid leak detection every single-byte
                // access to a buffer records a stack trace, which would slow the fake to a crawl.
                byte[] pattern = new byte[n];
                for (int i = 0; i < n; i++) {
                    pattern[i] = (byte) ((remaining - i) & 0x7f);
                }
                ByteBuf chunk = ctx.alloc().buffer(n);
                chunk.writeBytes(pattern);
                remaining -= n;
                ctx.write(new DefaultHttpContent(chunk));
            }
            if (remaining == 0) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            ctx.flush();
            if (!ctx.channel().isActive()) {
                return;
            }
            // Resume when the socket drains; polling keeps the fake simple and its memory bounded.
            ctx.executor().schedule(this, 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }
}
