package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one pass over an upstream's response head that starts the client's ({@link ForwardedHeaders#clientResponse}):
 * copies the lines that go on as they came, in their order, and sets aside what the proxy replaces or extends,
 * so that its own lines are then appended without first scanning the copy for each of them. Each name is told
 * once ({@link KnownFields}).
 *
 * <p>Not copied: hop-by-hop and framing fields, those the upstream named in {@code Connection}, the request-id
 * header when one is given (the proxy's id goes back), and {@code Via}, kept as lines to extend. Interim (1xx)
 * responses go through it too ({@link ForwardedHeaders#interimResponse}).
 *
 * <p>{@code Date} lines are copied only when there is one: {@code Date} is not a list, so two lines make a
 * value no client can read as a date (Node.js and Python's clients join them with a comma; a cache then cannot
 * compute an age). uvicorn sends two when the application sets its own beside the server's, as Starlette
 * applications may. RFC 9110 §6.6.1 lets a recipient replace an invalid {@code Date} with the time it received
 * the response: the proxy's own then goes on, as nginx's always does.
 */
final class ResponseFieldCopy {

    /** The upstream's first {@code Content-Length} line, whether it crosses or not; null without one. */
    String contentLength;
    /** Whether the upstream's {@code Date} was copied: it sent exactly one line of it. */
    boolean date;
    private List<String> via;

    private ResponseFieldCopy() {
    }

    /**
     * Copies {@code source}'s lines that go on as they came to {@code out}, and returns what it set aside.
     *
     * @param requestIdHeader the request-id header, whose lines are not copied; null to copy them
     */
    static ResponseFieldCopy copy(HttpHeaders source, HttpHeaders out, String requestIdHeader) {
        ResponseFieldCopy copy = new ResponseFieldCopy();
        ConnectionNames connection = ConnectionNames.of(source);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = source.iteratorCharSequence();
        int dates = 0;
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence name = field.getKey();
            byte kind = KnownFields.kindOf(name);
            if (kind == KnownFields.CONTENT_LENGTH && copy.contentLength == null) {
                copy.contentLength = field.getValue().toString();
            }
            if (KnownFields.neverCopied(kind) || connection != null && connection.lists(name)
                    || requestIdHeader != null && AsciiString.contentEqualsIgnoreCase(name, requestIdHeader)) {
                continue;
            }
            if (kind == KnownFields.VIA) {
                copy.via = ForwardedHeaders.withLine(copy.via, field.getValue());
            } else {
                out.add(name, field.getValue());
                if (kind == KnownFields.DATE) {
                    dates++;
                }
            }
        }
        if (dates > 1) {
            out.remove(HttpHeaderNames.DATE); // rare: the second scan of the head costs only such a response
        }
        copy.date = dates == 1;
        return copy;
    }

    /** The copied {@code Via} lines as one list (see {@link ForwardedHeaders#joined}); null without any. */
    String via() {
        return via == null ? null : ForwardedHeaders.joined(via);
    }
}
