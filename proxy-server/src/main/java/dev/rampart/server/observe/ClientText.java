package dev.rampart.server.observe;

import dev.rampart.core.observe.LogText;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What a client wrote, as the access log writes it: a request's {@code Host} and {@code User-Agent}, and the
 * path of a request refused before it was put in normal form (one that was is all ASCII, escaped as %XX).
 * HTTP/1.1 heads arrive as bytes, one character each (Latin-1); a client that sends UTF-8 (a user agent with
 * "é") means it as UTF-8, so valid UTF-8 is read as such. Other bytes above ASCII and every control character
 * (below 0x20, and 0x7F to 0x9F) are written as {@code \xHH}, as nginx logs them, so that a log viewer sees
 * neither mojibake nor terminal controls: JSON's own escape of a control ({@code \u001b}) is read back as the
 * control itself by any JSON reader, and printed live by {@code jq -r}.
 */
final class ClientText {

    private ClientText() {
    }

    static String readable(String latin1) {
        if (latin1 == null || isPrintableAscii(latin1)) {
            return latin1; // the common case
        }
        String text = isLatin1(latin1) ? utf8OrNull(latin1) : latin1; // else text already, not bytes off the wire
        return text != null ? LogText.printable(text) : bytesEscaped(latin1);
    }

    /** Bytes that are no UTF-8: each above ASCII is written as {@code \xHH}, as every control character is. */
    private static String bytesEscaped(String latin1) {
        StringBuilder out = new StringBuilder(latin1.length() + 8);
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c < 0x20 || c >= 0x7F) {
                LogText.appendHexEscape(out, c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The bytes (one per character) read as UTF-8, or null when they are not UTF-8. */
    private static String utf8OrNull(String latin1) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1)))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static boolean isLatin1(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** Printable ASCII only: nothing to read again or escape. */
    private static boolean isPrintableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
