package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

import java.util.Arrays;

/**
 * The field names the proxy treats apart when it copies a head from one side to the other, told by a table of
 * them by length: one or two comparisons for most names, where removing and setting a dozen fields one by one
 * compared every name of the head a dozen times ({@link RequestFieldCopy}, {@link ResponseFieldCopy}).
 */
final class KnownFields {

    static final byte OTHER = 0;
    /** Hop-by-hop (RFC 9110 §7.6.1): never crosses. */
    static final byte HOP_BY_HOP = 1;
    static final byte CONTENT_LENGTH = 2;
    static final byte TRANSFER_ENCODING = 3;
    static final byte HOST = 4;
    static final byte EXPECT = 5;
    /** A client's claim of how it reached the proxy ({@link ForwardedHeaders#CLIENT_CLAIMS}). */
    static final byte CLIENT_CLAIM = 6;
    /** Set by the proxy on every request: {@code X-Forwarded-Proto}, {@code -Host}, {@code X-Real-IP}, the attempt. */
    static final byte SET_ON_REQUESTS = 7;
    static final byte FORWARDED_FOR = 8;
    static final byte VIA = 9;
    static final byte TRACEPARENT = 10;
    static final byte TRACESTATE = 11;
    static final byte WEBSOCKET_KEY1 = 12;
    static final byte WEBSOCKET_KEY2 = 13;
    static final byte DATE = 14;

    /**
     * The settings of an h2c upgrade (RFC 7540 §3.2.1): about the sender's own connection by definition, so it
     * never crosses, also from a client that left it out of {@code Connection} (which RFC 7540 requires it to
     * name there precisely so that no proxy forwards it). The proxy drops the {@code Upgrade: h2c} itself.
     */
    static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private static final int LONGEST = 23; // x-forwarded-client-cert
    /** The names by their length, lower case, each one's first character, and its kind. */
    private static final AsciiString[][] NAMES = new AsciiString[LONGEST + 1][0];
    private static final char[][] FIRSTS = new char[LONGEST + 1][0];
    private static final byte[][] KINDS = new byte[LONGEST + 1][0];

    static {
        for (AsciiString name : new AsciiString[]{HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
            ForwardedHeaders.PROXY_CONNECTION, HttpHeaderNames.TE, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HTTP2_SETTINGS}) {
            register(name, HOP_BY_HOP);
        }
        register(HttpHeaderNames.CONTENT_LENGTH, CONTENT_LENGTH);
        register(HttpHeaderNames.TRANSFER_ENCODING, TRANSFER_ENCODING);
        register(HttpHeaderNames.HOST, HOST);
        register(HttpHeaderNames.EXPECT, EXPECT);
        ForwardedHeaders.CLIENT_CLAIMS.forEach(name -> register(name, CLIENT_CLAIM));
        for (AsciiString name : new AsciiString[]{ForwardedHeaders.X_FORWARDED_PROTO, ForwardedHeaders.X_FORWARDED_HOST,
            ForwardedHeaders.X_REAL_IP, ForwardedHeaders.X_RAMPART_ATTEMPT}) {
            register(name, SET_ON_REQUESTS);
        }
        register(ForwardedHeaders.X_FORWARDED_FOR, FORWARDED_FOR);
        register(HttpHeaderNames.VIA, VIA);
        register(ForwardedHeaders.TRACEPARENT, TRACEPARENT);
        register(ForwardedHeaders.TRACESTATE, TRACESTATE);
        register(HttpHeaderNames.SEC_WEBSOCKET_KEY1, WEBSOCKET_KEY1);
        register(HttpHeaderNames.SEC_WEBSOCKET_KEY2, WEBSOCKET_KEY2);
        register(HttpHeaderNames.DATE, DATE);
    }

    private KnownFields() {
    }

    private static void register(AsciiString name, byte kind) {
        AsciiString lower = name.toLowerCase();
        int length = lower.length();
        int at = NAMES[length].length;
        NAMES[length] = Arrays.copyOf(NAMES[length], at + 1);
        FIRSTS[length] = Arrays.copyOf(FIRSTS[length], at + 1);
        KINDS[length] = Arrays.copyOf(KINDS[length], at + 1);
        NAMES[length][at] = lower;
        FIRSTS[length][at] = lower.charAt(0);
        KINDS[length][at] = kind;
    }

    /** The kind of field {@code name} is, its case ignored; {@link #OTHER} for a name not listed. */
    static byte kindOf(CharSequence name) {
        int length = name.length();
        if (length == 0 || length > LONGEST) {
            return OTHER;
        }
        // Most names differ from those listed in their first character: compared first, folded as a letter
        // would be (a character that folds onto a listed one by mistake only costs the full comparison).
        char first = (char) (name.charAt(0) | 0x20);
        char[] firsts = FIRSTS[length];
        for (int i = 0; i < firsts.length; i++) {
            if (firsts[i] == first && NAMES[length][i].contentEqualsIgnoreCase(name)) {
                return KINDS[length][i];
            }
        }
        return OTHER;
    }

    /** Whether a field of this kind is hop-by-hop or framing: a proxy never copies it (the framing is its own). */
    static boolean neverCopied(byte kind) {
        return kind == HOP_BY_HOP || kind == CONTENT_LENGTH || kind == TRANSFER_ENCODING;
    }
}
