package dev.rampart.server.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Answers the admin endpoints (PRODUCT.md §3.5). Stateless, so one instance serves every connection.
 * Bodies come from {@link AdminSources} at request time. An unknown path is 404 whatever the method; a
 * known path answers GET and HEAD (HEAD as GET without the body, as RFC 9110 asks) and anything else with
 * 405 and {@code Allow}. Every answer carries {@code Cache-Control: no-store}: a cached health or metrics
 * answer is a wrong one.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String JSON_CONTENT_TYPE = "application/json";
    static final String ALLOW = "GET, HEAD";

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final AdminSources sources;
    private final AdminJson json = new AdminJson();

    AdminHandler(AdminSources sources) {
        this.sources = sources;
    }

    /** What to send: a status, a content type and the body text. */
    private record Reply(HttpResponseStatus status, String contentType, String body) {
        static Reply json(HttpResponseStatus status, String body) {
            return new Reply(status, JSON_CONTENT_TYPE, body);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            Throwable cause = request.decoderResult().cause();
            boolean tooLarge = cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException;
            send(ctx, request, tooLarge
                    ? Reply.json(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, AdminJson.HEADERS_TOO_LARGE)
                    : Reply.json(HttpResponseStatus.BAD_REQUEST, AdminJson.BAD_REQUEST), true);
            return;
        }
        String path = path(request.uri());
        if (path == null) {
            send(ctx, request, Reply.json(HttpResponseStatus.BAD_REQUEST, AdminJson.BAD_REQUEST), true);
            return;
        }
        send(ctx, request, answer(request.method(), path), false);
    }

    /**
     * The decoded path of an origin-form or absolute-form target (RFC 9112 §3.2.2: a server accepts both); null
     * if neither, or if its percent-encoding is broken ({@code /metrics%}, {@code /%zz}): the decoder throws on
     * those, and a throw here used to close the connection with no answer at all.
     */
    private static String path(String target) {
        try {
            if (target.startsWith("/")) {
                return new QueryStringDecoder(target).path();
            }
            java.net.URI uri = new java.net.URI(target);
            return uri.isAbsolute() && uri.getRawPath() != null
                    ? new QueryStringDecoder(uri.getRawPath().isEmpty() ? "/" : uri.getRawPath()).path() : null;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    /** A body over the admin server's limit: 413 with the usual JSON and headers, then the connection closes. */
    static void refuseTooLarge(ChannelHandlerContext ctx) {
        FullHttpResponse response = jsonResponse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                ByteBufUtil.writeUtf8(ctx.alloc(), AdminJson.TOO_LARGE));
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The aggregator's answer to an {@code Expect} header: a {@code 100 Continue} (or null) as it is, a refusal
     * ({@code 413} for a declared body over the limit, {@code 417} for an expectation other than
     * {@code 100-continue}) replaced by the same status with a JSON body and {@code no-store}. The connection
     * stays open, as Netty keeps it: its decoder skips the refused body, which a client that asked first
     * does not send.
     */
    static Object refusedExpectation(Object continueResponse) {
        if (!(continueResponse instanceof FullHttpResponse refusal)
                || refusal.status().codeClass() != HttpStatusClass.CLIENT_ERROR) {
            return continueResponse;
        }
        HttpResponseStatus status = refusal.status();
        refusal.release(); // a retained duplicate of Netty's shared constant
        String body = status.equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)
                ? AdminJson.TOO_LARGE : AdminJson.EXPECTATION_FAILED;
        return jsonResponse(status, Unpooled.copiedBuffer(body, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** An answer the server makes outside {@link #send}: {@code body} as JSON, its length, and no-store. */
    private static FullHttpResponse jsonResponse(HttpResponseStatus status, ByteBuf body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, JSON_CONTENT_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    private Reply answer(HttpMethod method, String path) {
        Supplier<Reply> endpoint = endpoint(path);
        if (endpoint == null) {
            return Reply.json(HttpResponseStatus.NOT_FOUND, AdminJson.NOT_FOUND);
        }
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            return Reply.json(HttpResponseStatus.METHOD_NOT_ALLOWED, AdminJson.METHOD_NOT_ALLOWED);
        }
        try {
            return endpoint.get();
        } catch (RuntimeException e) {
            log.warn("admin {} failed", path, e);
            return Reply.json(HttpResponseStatus.INTERNAL_SERVER_ERROR, AdminJson.INTERNAL_ERROR);
        }
    }

    /** The endpoint at {@code path}, or null when there is none. */
    private Supplier<Reply> endpoint(String path) {
        switch (path) {
            case "/metrics":
                return () -> new Reply(HttpResponseStatus.OK, METRICS_CONTENT_TYPE, sources.metrics().get());
            case "/healthz":
                return () -> Reply.json(HttpResponseStatus.OK, AdminJson.OK);
            case "/readyz":
                return () -> sources.ready().getAsBoolean()
                        ? Reply.json(HttpResponseStatus.OK, AdminJson.READY)
                        : Reply.json(HttpResponseStatus.SERVICE_UNAVAILABLE, AdminJson.DRAINING);
            case "/admin/routes":
                return () -> Reply.json(HttpResponseStatus.OK, sources.routesJson().get());
            case "/admin/breakers":
                return () -> Reply.json(HttpResponseStatus.OK, json.breakers(sources.breakers().get()));
            default:
                return null;
        }
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, Reply reply, boolean close) {
        boolean head = HttpMethod.HEAD.equals(request.method());
        ByteBuf body = head ? Unpooled.EMPTY_BUFFER : ByteBufUtil.writeUtf8(ctx.alloc(), reply.body());
        int length = head ? ByteBufUtil.utf8Bytes(reply.body()) : body.readableBytes();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, reply.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (reply.status().equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            response.headers().set(HttpHeaderNames.ALLOW, ALLOW);
        }
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close(); // an idle admin connection holds a file descriptor for nothing
        } else {
            super.userEventTriggered(ctx, event);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }
}
