package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;

/**
 * The HTTP/1.1 codec of a client connection: Netty's request decoder and response encoder, paired as
 * Netty's {@code HttpServerCodec} pairs them (each response is encoded knowing its request's method, so a
 * response to HEAD goes without a body), with one difference: a request's body is framed by
 * {@code Content-Length} or {@code Transfer-Encoding} only (RFC 9112 §6.3). Netty's decoder still gives a
 * GET that carries {@code Sec-WebSocket-Key1} and {@code Sec-WebSocket-Key2} (a withdrawn 2010 WebSocket
 * draft) an 8-byte body it never declared, and would take the first bytes of the next request on the
 * connection as that body: a desync with every server that follows the RFC.
 */
final class ClientHttpCodec extends CombinedChannelDuplexHandler<ClientHttpCodec.RequestDecoder, ClientHttpCodec.ResponseEncoder> {

    /**
     * The methods of the requests decoded and not yet answered, oldest first. Unbounded, where Netty's codec
     * closes a connection without a word once 128 decoded requests await their responses (a client
     * pipelining small requests reaches that within one read). The backlog is bounded anyway: requests are
     * served one at a time, and the connection reads again only once the flow-control queue has given out
     * everything decoded, so at most one read's worth of requests waits. nginx, too, answers pipelined
     * requests however many arrive.
     */
    private final Queue<HttpMethod> unanswered = new ArrayDeque<>(2);
    /** A request had both Transfer-Encoding and Content-Length: the connection ends with its response. */
    private boolean closeAfterResponse;
    /**
     * The request whose line was read whole and whose head is still coming (the decoder's own object, kept
     * by reference: nothing is made for it); null when none. Only its request line is read from it: its
     * fields are those read so far, none of them believed.
     */
    private HttpRequest unfinishedHead;
    /** Why the head still coming is malformed, when its request line named no valid version; null otherwise. */
    private MalformedHttpVersion malformedVersion;

    ClientHttpCodec(HttpDecoderConfig config) {
        init(new RequestDecoder(config), new ResponseEncoder());
    }

    /**
     * The body length a decoded request declares: its {@code Content-Length} (the decoder has checked and
     * normalized it), or {@code absent} when it has none. Unlike {@code HttpUtil.getContentLength}, never
     * the 8 bytes of the withdrawn WebSocket draft.
     */
    static long declaredLength(HttpMessage head, long absent) {
        String length = head.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null ? absent : Long.parseLong(length.trim());
    }

    /**
     * The method of a request head still coming, when its request line was read whole (the decoder has parsed
     * it); null before that. Only then is it known: an answer to such a head (a 408) to a HEAD has no content.
     */
    HttpMethod methodOfUnfinishedHead() {
        HttpRequest head = unfinishedHead;
        return head == null ? null : head.method();
    }

    /**
     * The request-target of a request head still coming, as the client sent it, when its request line was read
     * whole; null before that: a line still coming may yet end otherwise, and nothing of it is told.
     */
    String targetOfUnfinishedHead() {
        HttpRequest head = unfinishedHead;
        return head == null ? null : head.uri();
    }

    final class RequestDecoder extends HttpRequestDecoder {

        RequestDecoder(HttpDecoderConfig config) {
            super(config);
        }

        /**
         * A later minor version of HTTP/1 ({@code HTTP/1.2} to {@code HTTP/1.9}) is served as HTTP/1.1, the
         * highest this proxy speaks, as RFC 9110 §2.5 asks of a recipient (nginx does the same). A version not
         * written as RFC 9112 spells one is marked malformed ({@link MalformedHttpVersion}). Any other version
         * but 1.0 and 1.1 is left as it came, and refused (see {@link RequestValidation}).
         */
        @Override
        protected HttpMessage createMessage(String[] initialLine) throws Exception {
            HttpMessage head = super.createMessage(initialLine);
            String version = initialLine[2];
            if (LaterHttp1Minor.is(version)) {
                head.setProtocolVersion(HttpVersion.HTTP_1_1);
            }
            // Marked once its head is whole (see markMalformedVersion).
            malformedVersion = MalformedHttpVersion.isWellFormed(version) ? null : new MalformedHttpVersion(version);
            unfinishedHead = (HttpRequest) head; // until the whole head is decoded
            return head;
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
            int before = out.size();
            super.decode(ctx, in, out);
            for (int i = before; i < out.size(); i++) {
                if (out.get(i) instanceof HttpRequest request) {
                    unfinishedHead = null;
                    unanswered.add(request.method());
                    markMalformedVersion(request);
                }
            }
        }

        /**
         * Marks a head whose request line named a malformed version failed, now that it is whole: the decoder
         * sets a head's result when its last field is read, over anything set before. A head that failed
         * otherwise keeps its own fault.
         */
        private void markMalformedVersion(HttpRequest request) {
            MalformedHttpVersion fault = malformedVersion;
            malformedVersion = null;
            if (fault != null && request.decoderResult().isSuccess()) {
                request.setDecoderResult(DecoderResult.failure(fault));
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpHeaders headers = msg.headers();
            return !headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)
                    || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            super.handleTransferEncodingChunkedWithContentLength(message);
            closeAfterResponse = true; // as HttpServerCodec: whoever framed it by the length is out of step now
        }
    }

    final class ResponseEncoder extends HttpResponseEncoder {
        /** The method of the request the response being encoded answers. */
        private HttpMethod method;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (closeAfterResponse && msg instanceof LastHttpContent) {
                closeAfterResponse = false;
                promise = promise.unvoid().addListener(ChannelFutureListener.CLOSE);
            }
            boolean answer = msg instanceof HttpResponse response
                    && response.status().codeClass() != HttpStatusClass.INFORMATIONAL;
            super.write(ctx, msg, promise);
            if (answer) {
                // Only once its head is encoded has the request its answer: a head that could not be (no direct
                // memory left for it to grow into) throws above, and the 503 written in its place answers the same
                // request, not the one pipelined behind it (a HEAD's framing would drop the 503's body).
                unanswered.poll();
            }
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // an interim response: its request is still unanswered
            }
            method = unanswered.peek();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && HttpMethod.CONNECT.equals(method)
                    && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING); // a tunnel follows, not a chunked body
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}
