package dev.rampart.core.upstream.pool;

import dev.rampart.core.proxy.LaterHttp1Minor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;

import java.util.List;

/**
 * The HTTP/1.1 codec of an upstream connection: Netty's response decoder and request encoder, paired for
 * the one request at a time a pooled connection carries. Unlike Netty's {@code HttpClientCodec} it knows
 * where a response ends in the byte stream, because a connection goes back to the pool only when nothing
 * follows the response:
 * <ul>
 *   <li>bytes the upstream sent past the end of a response (a body on a response to HEAD, on a 204 or
 *       304, more body than its Content-Length) stay in the decoder, where they would be read as the
 *       start of the next request's response: {@link #responseEndInDoubt()} makes such a connection
 *       unusable;</li>
 *   <li>so does a 204 that declares a body (a Content-Length other than 0, or a Transfer-Encoding), which
 *       RFC 9110 §8.6 forbids: its upstream may send that body later, into the next request's response;</li>
 *   <li>bytes that arrive while no request is outstanding (the connection is idle) close it;</li>
 *   <li>Content-Length values that differ make the response malformed whatever its version (Netty checks
 *       them for HTTP/1.1 only): see {@link LengthCheckedResponse};</li>
 *   <li>a response field name with whitespace in it ({@code Content-Length X: 5}), which Netty's decoder
 *       would read as the name before the whitespace, makes the response malformed.</li>
 * </ul>
 */
final class OriginHttpCodec extends CombinedChannelDuplexHandler<OriginHttpCodec.ResponseDecoder, OriginHttpCodec.RequestEncoder> {

    /** The method of the request whose response is expected; decides whether a response has a body. */
    private HttpMethod method;
    /** From the moment a request head is encoded until the last part of its final response is decoded. */
    private boolean awaitingResponse;
    /**
     * The response being decoded is a 1xx: its end is not the end of the exchange (after a 101 the
     * connection carries another protocol and never goes back to the pool).
     */
    private boolean interim;
    /** Some byte of a response to the current request arrived (decoded or not). */
    private boolean responseBytesSeen;
    /** The response to the current request was a 204 that declared a body it cannot have. */
    private boolean noContentDeclaredBody;
    /** From the last final response's {@code Keep-Alive} field: see {@link KeepAliveHint}. */
    private long reusableIdleNanos = KeepAliveHint.NONE;
    /** The codec closed the connection on bytes nobody asked for: the proxy's close, not the upstream's. */
    private boolean closedOnUnaskedBytes;

    OriginHttpCodec(HttpDecoderConfig config) {
        init(new ResponseDecoder(config), new RequestEncoder());
    }

    /**
     * Whether any byte came back since the current request was sent, even one the decoder could not make
     * anything of yet (half a status line): the upstream then had the request, whatever happens next.
     */
    boolean responseBytesSeen() {
        return responseBytesSeen;
    }

    /**
     * Whether the response just read may not have ended where it was decoded to end: the decoder holds
     * bytes past it, or it was a 204 that declared a body, which may still come.
     */
    boolean responseEndInDoubt() {
        return noContentDeclaredBody || inboundHandler().unreadBytes() > 0;
    }

    /**
     * How long the connection may sit idle in the pool and still be taken for a request, by what its upstream
     * said in the last response; {@link KeepAliveHint#NONE} when it said nothing.
     */
    long reusableIdleNanos() {
        return reusableIdleNanos;
    }

    /** Whether the codec closed the connection on bytes that came while no request was outstanding. */
    boolean closedOnUnaskedBytes() {
        return closedOnUnaskedBytes;
    }

    final class RequestEncoder extends HttpRequestEncoder {
        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (msg instanceof HttpRequest request) {
                method = request.method();
                awaitingResponse = true;
                interim = false;
                responseBytesSeen = false;
                noContentDeclaredBody = false;
            }
            super.encode(ctx, msg, out);
        }
    }

    final class ResponseDecoder extends HttpResponseDecoder {

        ResponseDecoder(HttpDecoderConfig config) {
            super(config);
        }

        int unreadBytes() {
            return internalBuffer().readableBytes();
        }

        /**
         * A response in a later minor version of HTTP/1 is relayed as HTTP/1.1, as a request in one is served
         * (see {@link LaterHttp1Minor}); any other version but 1.0 and 1.1 stays a malformed response. Netty
         * checks an HTTP/1.1 head's Content-Length values itself; an HTTP/1.0 one's are checked as it is
         * decoded ({@link LengthCheckedResponse}).
         */
        @Override
        protected HttpMessage createMessage(String[] initialLine) {
            HttpResponse head = (HttpResponse) super.createMessage(initialLine);
            if (LaterHttp1Minor.is(initialLine[0])) {
                head.setProtocolVersion(HttpVersion.HTTP_1_1);
            }
            return HttpVersion.HTTP_1_1.equals(head.protocolVersion()) ? head : new LengthCheckedResponse(head);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            if (!awaitingResponse) {
                // Nothing was asked: a late or unsolicited response, or garbage. Whatever it is, the
                // connection no longer speaks in step with its requests.
                in.skipBytes(in.readableBytes());
                closedOnUnaskedBytes = true;
                ctx.close();
                return;
            }
            String notHttp1 = responseBytesSeen ? null : notHttp1(in);
            if (notHttp1 != null) {
                // A TLS or HTTP/2-only server behind an http:// endpoint: said in words, not in the decoder's.
                responseBytesSeen = true;
                awaitingResponse = false;
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY);
                head.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(notHttp1)));
                out.add(head); // a malformed response head, classified as any other
                in.skipBytes(in.readableBytes());
                return;
            }
            if (in.isReadable()) {
                responseBytesSeen = true;
            }
            int before = out.size();
            super.decode(ctx, in, out);
            for (int i = before; i < out.size(); i++) {
                Object part = out.get(i);
                if (part instanceof HttpResponse response) {
                    interim = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
                    if (!interim) {
                        reusableIdleNanos = response.headers().contains(HttpHeaderNames.KEEP_ALIVE)
                                ? KeepAliveHint.reusableIdleNanos(response.headers().getAll(HttpHeaderNames.KEEP_ALIVE))
                                : KeepAliveHint.NONE;
                    }
                }
                if (part instanceof LastHttpContent && !interim) {
                    awaitingResponse = false;
                }
            }
        }

        /** What the first bytes of an answer are when they begin no HTTP/1 response, in words; null when they may. */
        private static String notHttp1(ByteBuf in) {
            return TlsAnswer.begins(in) ? TlsAnswer.describe(in) : Http2Answer.begins(in) ? Http2Answer.DESCRIPTION : null;
        }

        private static boolean declaresBody(HttpResponse response) {
            String length = response.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            return response.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
                    || length != null && !length.trim().equals("0");
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            // Asked while the head's fields are still as received: for a 204 the decoder then removes a
            // Transfer-Encoding, so this is the one place to see that it declared a body.
            if (msg instanceof HttpResponse response && response.status().code() == 204 && declaresBody(response)) {
                noContentDeclaredBody = true;
            }
            if (msg instanceof HttpResponse response
                    && response.status().codeClass() != HttpStatusClass.INFORMATIONAL
                    && HttpMethod.HEAD.equals(method)) {
                return true; // RFC 9112 §6.3: a response to HEAD ends with its head, whatever it declares
            }
            return super.isContentAlwaysEmpty(msg);
        }

        /**
         * Netty ends a response field name at the first whitespace and then skips to the colon, so
         * {@code Set-Cookie Evil: x} would arrive as {@code Set-Cookie}. A field name is a token (RFC 9110
         * §5.1): only whitespace may stand between it and the colon, which RFC 9112 §5.1 has a proxy
         * remove. {@code line} holds the rest of the header line after the name.
         */
        @Override
        protected AsciiString splitHeaderName(byte[] line, int start, int length) {
            int i = start + length;
            while (i < line.length && (line[i] == ' ' || line[i] == '\t')) {
                i++;
            }
            if (i < line.length && line[i] != ':') {
                throw new IllegalArgumentException("whitespace inside the header field name "
                        + new String(line, start, length, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
            return super.splitHeaderName(line, start, length);
        }
    }
}
