package dev.rampart.core.proxy;

import dev.rampart.core.config.HeaderRules;
import dev.rampart.core.config.RespondConfig;
import dev.rampart.core.errors.ErrorContext;
import dev.rampart.core.errors.ErrorRenderer;
import dev.rampart.core.errors.RenderedError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Writes the responses the proxy makes itself: error envelopes and direct responses. */
final class ClientResponder {

    private ClientResponder() {
    }

    /**
     * Renders {@code error} for the client's {@code Accept} and writes it.
     *
     * @param headOnly      the request was HEAD: headers (with the body's length) but no body
     * @param keepAliveHint see {@link Keep#announce}
     * @param outcome       counts the body bytes sent, for the access log
     */
    static ChannelFuture writeError(ChannelHandlerContext ctx, ErrorRenderer renderer, ErrorContext error,
                                    String accept, boolean headOnly, Keep keep, AsciiString keepAliveHint,
                                    ExchangeOutcome outcome, List<Map.Entry<String, String>> kept) {
        RenderedError rendered = renderer.render(error, accept);
        ByteBuf body = headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(rendered.body());
        outcome.addBytesOut(body.readableBytes());
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(rendered.status()), body);
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, rendered.contentType());
        h.set(HttpHeaderNames.CONTENT_LENGTH, rendered.body().length);
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        for (Map.Entry<String, String> header : rendered.headers()) {
            h.add(header.getKey(), header.getValue());
        }
        for (Map.Entry<String, String> header : kept) {
            h.add(header.getKey(), header.getValue());
        }
        h.set(HttpHeaderNames.DATE, HttpDate.now());
        keep.announce(h, keepAliveHint);
        ForwardedHeaders.nameUpgradeInConnection(h); // a rewritten 426 keeps its Upgrade
        return FlushBatch.writeAndFlushSoon(ctx, response);
    }

    /**
     * A response the proxy makes for a route (its {@code respond}, a CORS preflight's answer); {@code outcome}
     * gives its request id and counts the body bytes sent. No {@code Content-Type} when {@code contentType} is null.
     * For {@code keepAliveHint} see {@link Keep#announce}.
     */
    static ChannelFuture writeDirect(ChannelHandlerContext ctx, int status, String body, String contentType,
                                     String requestIdHeader, boolean headOnly, Keep keep, AsciiString keepAliveHint,
                                     ExchangeOutcome outcome, HeaderRules rules,
                                     List<Map.Entry<String, String>> extraHeaders) {
        boolean noContent = RespondConfig.hasNoContent(status); // a body configured anyway is never sent
        byte[] bytes = noContent ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (!headOnly) {
            outcome.addBytesOut(bytes.length);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        HttpHeaders h = response.headers();
        if (contentType != null && !noContent) {
            h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        if (!noContent) {
            // None on a 204 (RFC 9110 §8.6); a 304's would be the length of the 200 it stands for, which nobody
            // knows here; a 205 gets its Content-Length: 0 from Netty's encoder (§15.3.6).
            h.set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        }
        h.set(requestIdHeader, outcome.requestId());
        h.set(HttpHeaderNames.DATE, HttpDate.now());
        for (Map.Entry<String, String> header : extraHeaders) {
            h.add(header.getKey(), header.getValue());
        }
        RouteHeaders.applyToResponse(rules, h);
        keep.announce(h, keepAliveHint);
        return FlushBatch.writeAndFlushSoon(ctx, response);
    }

    /** {@code 100 Continue}: the client may send the body it announced with {@code Expect}. */
    static void writeContinue(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }

    /** What the connection does after a response, and how the response says so. */
    enum Keep {
        /** Closes: {@code Connection: close}. */
        CLOSE,
        /** Stays open for an HTTP/1.1 client, for which that is the default: nothing to say. */
        OPEN,
        /**
         * Stays open for an HTTP/1.0 client that asked for keep-alive: it assumes a close unless told
         * (RFC 9112 Appendix C.2.2), so {@code Connection: keep-alive}.
         */
        OPEN_HTTP10;

        static Keep of(boolean keepAlive, HttpVersion clientVersion) {
            return !keepAlive ? CLOSE : clientVersion == HttpVersion.HTTP_1_0 ? OPEN_HTTP10 : OPEN;
        }

        /**
         * Says so in {@code headers}; a connection that stays also gets {@code Keep-Alive: timeout=N} when
         * {@code keepAliveHint} (see {@link #hintFor}) is not null. Clients that read it (undici, Node's fetch;
         * Node's {@code http.Agent} with a {@code timeout}) stop reusing an idle connection a second before N, so
         * that their next request does not meet the proxy's close of it ({@code ECONNRESET}, "other side closed")
         * when they would keep it idle longer than the proxy does (undici's own default is 4 s, Node's global
         * agent's 5 s). A response that closes says nothing more than that.
         */
        void announce(HttpHeaders headers, AsciiString keepAliveHint) {
            if (this == CLOSE) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return;
            }
            if (this == OPEN_HTTP10) {
                headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            if (keepAliveHint != null) {
                // add, not set: no Keep-Alive is there to replace (the upstream's, hop-by-hop, was not copied, and
                // response-headers may not name it), and set would scan every field for one first
                headers.add(HttpHeaderNames.KEEP_ALIVE, keepAliveHint);
            }
        }

        /**
         * The value of {@code Keep-Alive} for {@code server.idle-timeout}, made once per configuration: whole
         * seconds rounded down, since a client that reads more than the proxy waits reuses a connection already
         * closed ({@code 1500ms} is {@code timeout=1}, which tells Node's clients not to reuse at all: they keep
         * a second's margin).
         */
        static AsciiString hintFor(Duration idleTimeout) {
            return AsciiString.cached("timeout=" + idleTimeout.toSeconds());
        }
    }
}
