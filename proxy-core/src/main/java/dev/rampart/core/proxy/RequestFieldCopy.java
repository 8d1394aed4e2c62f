package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one pass over a client's request head that starts the upstream's ({@link ForwardedHeaders#originRequest}):
 * copies the lines that go on as they came, in their order, and sets aside the ones the proxy replaces or
 * extends, so that the proxy's own lines are then appended without first scanning the copy for each of them.
 * Each name is told by a table of the names that matter, by length: one or two comparisons for most names,
 * where removing and setting a dozen fields one by one compared every name a dozen times.
 *
 * <p>Not copied: hop-by-hop and framing fields, those the client named in {@code Connection} (RFC 9110 §7.6.1),
 * {@code Host}, {@code Expect} (the proxy answers it), the client's claims of how it reached the proxy
 * ({@link ForwardedHeaders#CLIENT_CLAIMS}), the fields the proxy sets ({@code X-Forwarded-Proto}, {@code -Host},
 * {@code X-Real-IP}, {@code X-Rampart-Attempt}, the request-id header), and the chains it extends
 * ({@code X-Forwarded-For}, {@code Via}), which are kept as lines to extend.
 */
final class RequestFieldCopy {

    private static final byte OTHER = 0;
    /** Hop-by-hop or framing: never crosses. */
    private static final byte HOP = 1;
    /** Replaced by the proxy's own line, or dropped: not copied. */
    private static final byte REPLACED = 2;
    private static final byte HOST = 3;
    private static final byte FORWARDED_FOR = 4;
    private static final byte VIA = 5;
    private static final byte TRACEPARENT = 6;
    private static final byte TRACESTATE = 7;
    private static final byte WEBSOCKET_KEY1 = 8;
    private static final byte WEBSOCKET_KEY2 = 9;

    /** The names that matter by their length, and each one's kind; lower case. */
    private static final AsciiString[][] NAMES = new AsciiString[24][];
    private static final byte[][] KINDS = new byte[24][];

    static {
        for (CharSequence name : new CharSequence[]{HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            ForwardedHeaders.PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.CONTENT_LENGTH}) {
            register(name, HOP);
        }
        register(HttpHeaderNames.HOST, HOST);
        register(HttpHeaderNames.EXPECT, REPLACED);
        ForwardedHeaders.CLIENT_CLAIMS.forEach(name -> register(name, REPLACED));
        register(ForwardedHeaders.X_FORWARDED_PROTO, REPLACED);
        register(ForwardedHeaders.X_FORWARDED_HOST, REPLACED);
        register(ForwardedHeaders.X_REAL_IP, REPLACED);
        register(ForwardedHeaders.X_RAMPART_ATTEMPT, REPLACED);
        register(ForwardedHeaders.X_FORWARDED_FOR, FORWARDED_FOR);
        register(HttpHeaderNames.VIA, VIA);
        register(ForwardedHeaders.TRACEPARENT, TRACEPARENT);
        register(ForwardedHeaders.TRACESTATE, TRACESTATE);
        register(HttpHeaderNames.SEC_WEBSOCKET_KEY1, WEBSOCKET_KEY1);
        register(HttpHeaderNames.SEC_WEBSOCKET_KEY2, WEBSOCKET_KEY2);
    }

    private static void register(CharSequence name, byte kind) {
        AsciiString lower = AsciiString.of(name).toLowerCase();
        int length = lower.length();
        AsciiString[] names = NAMES[length] == null ? new AsciiString[0] : NAMES[length];
        byte[] kinds = KINDS[length] == null ? new byte[0] : KINDS[length];
        NAMES[length] = java.util.Arrays.copyOf(names, names.length + 1);
        KINDS[length] = java.util.Arrays.copyOf(kinds, kinds.length + 1);
        NAMES[length][names.length] = lower;
        KINDS[length][kinds.length] = kind;
    }

    private static byte kindOf(CharSequence name) {
        int length = name.length();
        if (length >= NAMES.length || NAMES[length] == null) {
            return OTHER;
        }
        AsciiString[] names = NAMES[length];
        for (int i = 0; i < names.length; i++) {
            if (names[i].contentEqualsIgnoreCase(name)) {
                return KINDS[length][i];
            }
        }
        return OTHER;
    }

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
            byte kind = kindOf(name);
            if (kind == HOST && copy.clientHost == null) {
                copy.clientHost = field.getValue().toString();
            }
            if (kind == HOP || kind == REPLACED || kind == HOST || connection != null && connection.lists(name)
                    || AsciiString.contentEqualsIgnoreCase(name, requestIdHeader)) {
                continue;
            }
            switch (kind) {
                case FORWARDED_FOR -> copy.forwardedFor = added(copy.forwardedFor, field.getValue());
                case VIA -> copy.via = added(copy.via, field.getValue());
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

    private static List<String> added(List<String> lines, CharSequence line) {
        List<String> to = lines == null ? new ArrayList<>(2) : lines;
        to.add(line.toString());
        return to;
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
