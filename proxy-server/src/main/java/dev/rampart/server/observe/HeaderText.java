package dev.rampart.server.observe;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A request header's value as the access log writes it. HTTP/1.1 headers arrive as bytes, one character each
 * (Latin-1); a client that sends UTF-8 (a user agent with "é") means it as UTF-8, so valid UTF-8 is read as such.
 * Other bytes above ASCII, and control characters between 0x7F and 0x9F, are written as {@code \xHH}, as nginx
 * logs them, so that a log viewer sees neither mojibake nor terminal controls.
 */
final class HeaderText {

    private HeaderText() {
    }

    static String readable(String latin1) {
        if (latin1 == null || isAscii(latin1)) {
            return latin1; // the common case
        }
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        String text;
        try {
            CharBuffer decoded = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            text = decoded.toString();
        } catch (CharacterCodingException e) {
            text = latin1;
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean undecoded = text == latin1 && c >= 0x80;
            if (undecoded || c >= 0x7F && c <= 0x9F) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Printable ASCII and ASCII controls (which the JSON escaping handles): nothing to read again. */
    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x7F) {
                return false;
            }
        }
        return true;
    }
}
