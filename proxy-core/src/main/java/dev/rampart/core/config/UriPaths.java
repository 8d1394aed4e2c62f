package dev.rampart.core.config;

/**
 * What a path in the config may hold: what RFC 3986 (§3.3, §3.4) allows in a URI path, and for a
 * health-check path a query after it. Anything else (a space, a control character, non-ASCII text, a
 * '#') would either break the request line it is written into or never match a request's normalised
 * path, so it is refused when the config is loaded; such bytes are written as {@code %XX}.
 */
final class UriPaths {

    /** What the error says a path must be. */
    static final String EXPECTED_PATH = "a path starting with \"/\" of URI path characters (others as %XX)";
    static final String EXPECTED_PATH_AND_QUERY =
            "a path starting with \"/\", with an optional ?query, of URI characters (others as %XX)";

    private UriPaths() {
    }

    /** "/" followed by path characters: pchar or "/". */
    static boolean isPath(String text) {
        return isUriPath(text, false);
    }

    /** {@link #isPath} with an optional "?" and query (pchar, "/" or "?") after it. */
    static boolean isPathAndQuery(String text) {
        return isUriPath(text, true);
    }

    private static boolean isUriPath(String text, boolean queryAllowed) {
        if (!text.startsWith("/")) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length() || PathEscapes.hexValue(text.charAt(i + 1)) < 0
                        || PathEscapes.hexValue(text.charAt(i + 2)) < 0) {
                    return false;
                }
                i += 2;
            } else if (c == '?') {
                if (!queryAllowed) {
                    return false;
                }
            } else if (!isPathChar(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A path prefix in the form request paths are matched in ({@link PathEscapes}), or null (reported) when
     * it could never match one: request paths have their dot segments resolved and runs of slashes merged,
     * so a prefix with {@code /./}, {@code /../} or {@code //} in it (after its escapes are decoded) matches
     * no request.
     */
    static String matchablePrefix(ConfigSection s, String key, String prefix) {
        return normalPrefix(s, key, prefix, true);
    }

    /**
     * A prefix a rewrite puts in place, in normal form, or null (reported) when what it makes would not be
     * a path in normal form: what is forwarded never is anything else.
     */
    static String forwardablePrefix(ConfigSection s, String key, String prefix) {
        return normalPrefix(s, key, prefix, false);
    }

    /** {@code matched}: routes see escaped slashes as "/" too, so a prefix with one matches nothing. */
    private static String normalPrefix(ConfigSection s, String key, String prefix, boolean matched) {
        if (!isPath(prefix)) {
            ValueReader.mismatch(s.path(key), EXPECTED_PATH, s.value(key), s.problems());
            return null;
        }
        String normal = PathEscapes.normalForm(prefix);
        boolean abnormal = normal.contains("//") || normal.contains("/./") || normal.contains("/../")
                || normal.contains("%00") || !matched && (normal.endsWith("/.") || normal.endsWith("/.."));
        if (abnormal || matched && normal.contains("%2F")) {
            s.problem(key, matched
                    ? "can never match: request paths are matched with \".\" and \"..\" segments resolved, runs of"
                            + " \"/\" merged, %2F as \"/\" and no %00 (got " + ValueReader.describe(s.value(key)) + ")"
                    : "is not a path in normal form, as what is forwarded always is: no \".\" or \"..\" segment,"
                            + " no \"//\", no %00 (got " + ValueReader.describe(s.value(key)) + ")");
            return null;
        }
        return normal;
    }

    /** RFC 3986 pchar without pct-encoded, plus "/": unreserved, sub-delims, ":" and "@". */
    private static boolean isPathChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
    }
}
