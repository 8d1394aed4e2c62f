package dev.rampart.core.observe;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent}) for requests that reach an upstream: a valid incoming value is
 * passed through untouched, so the caller's trace continues; anything else starts a new trace here, so
 * every upstream request carries one (PRODUCT.md §3.4).
 *
 * <p>Validation follows the W3C recommendation: version {@code 00} is exactly
 * {@code 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>} in lower case, with neither id all
 * zeros. A higher version (but never {@code ff}) is accepted when its first 55 characters parse the same
 * way and, if longer, the next character is {@code -}, as the recommendation asks of parsers that meet
 * a version they do not know. When a new trace is started the caller should drop any incoming
 * {@code tracestate}, which belonged to the rejected parent.
 *
 * <p>Ids come from {@link ThreadLocalRandom}: no contention on event loops, and a trace id needs to be
 * unique, not unpredictable.
 */
public final class TraceContext {

    /** Length of a version 00 {@code traceparent}. */
    static final int LENGTH = 55;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private TraceContext() {
    }

    /**
     * The {@code traceparent} to send upstream: {@code incoming} when it is valid, else a new sampled one.
     * A caller that needs to know whether a new trace began compares the result with {@code incoming}.
     */
    public static String ensureTraceparent(String incoming) {
        return isValid(incoming) ? incoming : generate();
    }

    /** Whether {@code traceparent} is well formed per the W3C recommendation (see the class comment). */
    public static boolean isValid(String traceparent) {
        if (traceparent == null || traceparent.length() < LENGTH) {
            return false;
        }
        if (!isLowerHex(traceparent, 0, 2)) {
            return false;
        }
        boolean version00 = traceparent.charAt(0) == '0' && traceparent.charAt(1) == '0';
        boolean versionFf = traceparent.charAt(0) == 'f' && traceparent.charAt(1) == 'f';
        if (versionFf) {
            return false;
        }
        if (version00 ? traceparent.length() != LENGTH
                : traceparent.length() > LENGTH && traceparent.charAt(LENGTH) != '-') {
            return false;
        }
        return traceparent.charAt(2) == '-'
                && isLowerHex(traceparent, 3, 35) && !isAllZeros(traceparent, 3, 35)
                && traceparent.charAt(35) == '-'
                && isLowerHex(traceparent, 36, 52) && !isAllZeros(traceparent, 36, 52)
                && traceparent.charAt(52) == '-'
                && isLowerHex(traceparent, 53, 55);
    }

    /** A new version 00 {@code traceparent} with random ids and the sampled flag: {@code 00-…-…-01}. */
    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long traceHigh;
        long traceLow;
        do {
            traceHigh = random.nextLong();
            traceLow = random.nextLong();
        } while (traceHigh == 0 && traceLow == 0);
        long parent;
        do {
            parent = random.nextLong();
        } while (parent == 0);

        char[] out = new char[LENGTH];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        writeHex(traceHigh, out, 3);
        writeHex(traceLow, out, 19);
        out[35] = '-';
        writeHex(parent, out, 36);
        out[52] = '-';
        out[53] = '0';
        out[54] = '1';
        return new String(out);
    }

    private static void writeHex(long value, char[] out, int offset) {
        for (int i = 15; i >= 0; i--) {
            out[offset + i] = HEX[(int) (value & 0xF)];
            value >>>= 4;
        }
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAllZeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
