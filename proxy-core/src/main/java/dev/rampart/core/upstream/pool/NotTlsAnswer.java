package dev.rampart.core.upstream.pool;

import dev.rampart.core.observe.LogText;
import io.netty.handler.ssl.NotSslRecordException;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * An {@code https://} endpoint that answered the handshake with bytes that are not TLS: most often a plain
 * HTTP server (an endpoint that should have been {@code http://}, a port that serves both), which answers the
 * ClientHello with its 400 page. Netty's exception quotes everything the first read brought, as hex: up to
 * kilobytes of the endpoint's answer (its error page, a banner, whatever it says) in every request's INFO
 * line and every failed health check's WARN, though the operator needs only its first word. This keeps that
 * word, as the other malformed answers are quoted (deployment.md: a malformed upstream answer's first token),
 * and says what it most likely means. The exception keeps its type, so the failure is classified as before.
 */
final class NotTlsAnswer {

    /** Netty's message: this, then the hex of every byte read. */
    private static final String NETTY_PREFIX = "not an SSL/TLS record: ";
    /** Beyond this many characters a first word is cut: it says what speaks, not what it says. */
    private static final int MAX_WORD = 24;
    /** The record header Netty looked at, quoted when the bytes are not text. */
    private static final int RECORD_HEADER = 5;

    private NotTlsAnswer() {
    }

    /** {@code cause}, or, when it is Netty's "not an SSL/TLS record", the same exception with a short message. */
    static Throwable readable(Throwable cause) {
        if (!(cause instanceof NotSslRecordException notTls) || notTls.getMessage() == null
                || !notTls.getMessage().startsWith(NETTY_PREFIX)) {
            return cause;
        }
        return new NotSslRecordException(describe(notTls.getMessage().substring(NETTY_PREFIX.length())));
    }

    /** What the endpoint answered, given as the hex of its bytes, in words. */
    static String describe(String hex) {
        byte[] bytes;
        try {
            bytes = HexFormat.of().parseHex(hex.length() % 2 == 0 ? hex : hex.substring(0, hex.length() - 1));
        } catch (IllegalArgumentException notHex) {
            return "not an SSL/TLS record: the endpoint does not speak TLS";
        }
        String word = firstWord(bytes);
        if (word != null) {
            return "not an SSL/TLS record: the endpoint answered in plain text, beginning \""
                    + LogText.printable(word) + "\" (" + (word.startsWith("HTTP/") ? "plain HTTP: an http:// endpoint?"
                    : "not TLS") + ")";
        }
        int shown = Math.min(RECORD_HEADER, bytes.length);
        return "not an SSL/TLS record: the endpoint answered bytes that are not TLS, beginning "
                + HexFormat.ofDelimiter(" ").withPrefix("0x").formatHex(bytes, 0, shown);
    }

    /**
     * The bytes up to the first space or line end, when they begin with at least two printable ASCII characters;
     * null when they do not (binary).
     */
    private static String firstWord(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && end < MAX_WORD && bytes[end] > ' ' && bytes[end] < 0x7F) {
            end++;
        }
        if (end < 2) {
            return null;
        }
        String word = new String(bytes, 0, end, StandardCharsets.US_ASCII);
        return end == MAX_WORD && bytes.length > MAX_WORD && bytes[end] > ' ' ? word + "..." : word;
    }
}
