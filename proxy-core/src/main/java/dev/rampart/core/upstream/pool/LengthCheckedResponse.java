package dev.rampart.core.upstream.pool;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;

import java.util.List;

/**
 * An upstream response head that refuses, as it is decoded, Content-Length values that differ. Netty's
 * decoder checks them only for HTTP/1.1: for an HTTP/1.0 response it takes the first value and drops the
 * others ({@code HttpUtil.normalizeAndGetContentLength}), so {@code Content-Length: 3} and
 * {@code Content-Length: 46} made a 3-byte body, where RFC 9112 §6.3 has a proxy treat the framing as
 * invalid and answer 502. The decoder records its result once the last field line is read and before it
 * folds the lengths into one, so that is where the values are still all there; the exception makes the
 * decoder turn the head into an invalid message, as its own check does for HTTP/1.1.
 */
final class LengthCheckedResponse extends DefaultHttpResponse {

    LengthCheckedResponse(HttpResponse decoded) {
        super(decoded.protocolVersion(), decoded.status(), decoded.headers());
    }

    @Override
    public void setDecoderResult(DecoderResult result) {
        if (result.isSuccess()) {
            refuseDifferingLengths(headers().getAll(HttpHeaderNames.CONTENT_LENGTH));
        }
        super.setDecoderResult(result);
    }

    private static void refuseDifferingLengths(List<String> fields) {
        String first = null;
        for (String field : fields) {
            for (String element : field.split(",", -1)) {
                String number = withoutLeadingZeros(element.trim());
                if (first == null) {
                    first = number;
                } else if (!first.equals(number)) {
                    throw new IllegalArgumentException("Multiple Content-Length values found: " + fields);
                }
            }
        }
    }

    /** {@code 002} and {@code 2} are one length (the decoder reads both as 2); not a number is left to it. */
    private static String withoutLeadingZeros(String value) {
        int i = 0;
        while (i < value.length() - 1 && value.charAt(i) == '0') {
            i++;
        }
        return value.substring(i);
    }
}
