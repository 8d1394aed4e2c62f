package dev.rampart.core.observe;

/**
 * Text from a peer (an upstream's reason phrase or header name, repeated in an exception message) made
 * safe for a log line: control characters are written as {@code \xNN}, as nginx writes them in its error
 * log. A raw CR, ESC or backspace from an upstream would otherwise let it rewrite what a terminal shows of
 * the log ({@code tail -f}, {@code kubectl logs}): a forged line, a cleared screen.
 */
public final class LogText {

    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    private LogText() {
    }

    /**
     * {@code text} with every C0 control character, DEL and C1 control character escaped as {@code \xHH}, and
     * U+2028 and U+2029 as {@code \\u2028} and {@code \\u2029}; null as "null".
     */
    public static String printable(String text) {
        return text == null ? "null" : escaped(text, false);
    }

    /**
     * {@code text} on one line, for a message quoting values (a config problem, a file name): the same
     * control characters escaped as in a Java string literal ({@code \\n}, {@code \\t}, {@code \\u001b}).
     */
    public static String oneLine(String text) {
        return escaped(text, true);
    }

    private static String escaped(String text, boolean literalStyle) {
        int first = firstControl(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isControl(c)) {
                out.append(c);
            } else if (literalStyle) {
                switch (c) {
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> out.append(String.format("\\u%04x", (int) c));
                }
            } else if (c > 0xFF) {
                out.append(String.format("\\u%04X", (int) c)); // a line or paragraph separator: no byte of its own
            } else {
                appendHexEscape(out, c);
            }
        }
        return out.toString();
    }

    /**
     * Appends {@code c}, a character of one byte (below 0x100), as nginx writes a byte it escapes in its access
     * log: {@code \xHH}, upper-case digits.
     */
    public static void appendHexEscape(StringBuilder out, char c) {
        out.append("\\x").append(HEX_DIGITS[c >> 4 & 0xF]).append(HEX_DIGITS[c & 0xF]);
    }

    private static int firstControl(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (isControl(text.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /**
     * C0, DEL and C1, and the Unicode line and paragraph separators, U+2028 and U+2029, at which many readers
     * (JavaScript before ES2019, Python's {@code splitlines}, some log shippers) break a line as at a line feed.
     */
    private static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7F && c <= 0x9F || c == '\u2028' || c == '\u2029';
    }
}
