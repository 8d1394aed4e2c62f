package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.rampart.core.proxy.KnownFields.CLIENT_CLAIM;
import static dev.rampart.core.proxy.KnownFields.EXPECT;
import static dev.rampart.core.proxy.KnownFields.FORWARDED_FOR;
import static dev.rampart.core.proxy.KnownFields.HOST;
import static dev.rampart.core.proxy.KnownFields.SET_ON_REQUESTS;
import static dev.rampart.core.proxy.KnownFields.TRACEPARENT;
import static dev.rampart.core.proxy.KnownFields.TRACESTATE;
import static dev.rampart.core.proxy.KnownFields.VIA;
import static dev.rampart.core.proxy.KnownFields.WEBSOCKET_KEY1;
import static dev.rampart.core.proxy.KnownFields.WEBSOCKET_KEY2;

/**
 * The one pass over a client's request head that starts the upstream's ({@link ForwardedHeaders#originRequest}):
 * copies the lines that go on as they came, in their order, and sets aside the ones the proxy replaces or
 * extends, so that the proxy's own lines are then appended without first scanning the copy for each of them.
 * Each name is told once ({@link KnownFields}).
 *
 * <p>Not copied: hop-by-hop and framing fields, those the client named in {@code Connection} (RFC 9110 §7.6.1),
 * {@code Host}, {@code Expect} (the proxy answers it), the client's claims of how it reached the proxy
 * ({@link ForwardedHeaders#CLIENT_CLAIMS}), the fields the proxy sets ({@code X-Forwarded-Proto}, {@code -Host},
 * {@code X-Real-IP}, {@code X-Rampart-Attempt}, the request-id header), and the chains it extends
 * ({@code X-Forwarded-For}, {@code Via}), which are kept as lines to extend.
 */
final class RequestFieldCopy {

    /** The client's first {@code Host} line, whether it crosses or not; null without one. */
    String clientHost;
    /** A copied name has an underscore (see {@link UnderscoreAliases}). */
    boolean underscore;
    /** The copied {@code traceparent} lines: how many, and the first. */
    int traceparents;
    String firstTraceparent;
    /** Whether a {@code tracestate} line was copied. */
    boolean tracestate;
    /**
     * Whether both keys of the withdrawn 2010 WebSocket draft (Hixie-76) were copied: servers that still follow
     * it (Netty's decoder, so many Java services) give such a GET an 8-byte body unless a Content-Length says
     * otherwise, and would wait for it, or take it from the next request.
     */
    boolean draftWebSocketKeys;
    private List<String> forwardedFor;
    private List<String> via;

    private RequestFieldCopy() {
    }

    /** Copies {@code source}'s lines that go on as they came to {@code out}, and returns what it set aside. */
    static RequestFieldCopy copy(HttpHeaders source, HttpHeaders out, String requestIdHeader) {
        RequestFieldCopy copy = new RequestFieldCopy();
        ConnectionNames connection = ConnectionNames.of(source);
        boolean key1 = false;
        boolean key2 = false;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = source.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence name = field.getKey();
            byte kind = KnownFields.kindOf(name);
            if (kind == HOST && copy.clientHost == null) {
                copy.clientHost = field.getValue().toString();
            }
            if (KnownFields.neverCopied(kind) || kind == HOST || kind == EXPECT || kind == CLIENT_CLAIM
                    || kind == SET_ON_REQUESTS || connection != null && connection.lists(name)
                    || AsciiString.contentEqualsIgnoreCase(name, requestIdHeader)) {
                continue;
            }
            switch (kind) {
                case FORWARDED_FOR -> copy.forwardedFor = ForwardedHeaders.withLine(copy.forwardedFor, field.getValue());
                case VIA -> copy.via = ForwardedHeaders.withLine(copy.via, field.getValue());
                default -> {
                    out.add(name, field.getValue());
                    copy.underscore |= AsciiString.indexOf(name, '_', 0) >= 0;
                    if (kind == TRACEPARENT && copy.traceparents++ == 0) {
                        copy.firstTraceparent = field.getValue().toString();
                    }
                    copy.tracestate |= kind == TRACESTATE;
                    key1 |= kind == WEBSOCKET_KEY1;
                    key2 |= kind == WEBSOCKET_KEY2;
                }
            }
        }
        copy.draftWebSocketKeys = key1 && key2;
        return copy;
    }

    /** The copied {@code X-Forwarded-For} lines as one list (see {@link ForwardedHeaders#joined}); null without any. */
    String forwardedFor() {
        return forwardedFor == null ? null : ForwardedHeaders.joined(forwardedFor);
    }

    /** The copied {@code Via} lines as one list; null without any. */
    String via() {
        return via == null ? null : ForwardedHeaders.joined(via);
    }
}
