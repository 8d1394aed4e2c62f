package dev.rampart.core.config;

/**
 * Percent-escapes in a path in normal form (RFC 3986 §6.2.2): an escaped unreserved character (ALPHA,
 * DIGIT, {@code -._~}) is that character, and every other escape is written with upper-case hex digits.
 * Request paths and the config's path prefixes are both put in this form, so that they compare as the
 * paths they stand for, not as spellings: {@code /caf%c3%a9} is {@code /caf%C3%A9}, {@code /%61dmin} is
 * {@code /admin}.
 */
public final class PathEscapes {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathEscapes() {
    }

    /** {@code path} with its escapes in normal form; an incomplete or non-hex escape is left as it is. */
    public static String normalForm(String path) {
        int first = path.indexOf('%');
        if (first < 0) {
            return path; // the common case allocates nothing
        }
        StringBuilder out = new StringBuilder(path.length()).append(path, 0, first);
        for (int i = first; i < path.length(); i++) {
            char c = path.charAt(i);
            int hi = c == '%' && i + 2 < path.length() ? hexValue(path.charAt(i + 1)) : -1;
            int lo = hi >= 0 ? hexValue(path.charAt(i + 2)) : -1;
            if (lo < 0) {
                out.append(c);
                continue;
            }
            char escaped = (char) (hi * 16 + lo);
            if (isUnreserved(escaped)) {
                out.append(escaped);
            } else {
                out.append('%').append(HEX[hi]).append(HEX[lo]);
            }
            i += 2;
        }
        return out.toString();
    }

    /** The value of an ASCII hex digit, or -1 (not {@link Character#digit}, which reads other scripts' digits too). */
    public static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        char lower = (char) (c | 0x20);
        return lower >= 'a' && lower <= 'f' ? lower - 'a' + 10 : -1;
    }

    /** Whether {@code c} is an unreserved character (RFC 3986 §2.3), which normal form never escapes. */
    public static boolean isUnreserved(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
