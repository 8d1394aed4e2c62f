package dev.rampart.core.config;

/**
 * What the names an operator gives routes and upstreams may hold. A name becomes a metric label, an
 * access-log field, an admin-API key and part of log messages, so it is refused when it holds what none
 * of those can show as written: a control character (a line break included, or a Unicode line or
 * paragraph separator, which some log viewers break lines at) or half of a surrogate pair, which is no
 * character at all and which no UTF-8 writer can encode. Anything else (spaces, quotes, any script) is
 * a name.
 */
final class NameText {

    private NameText() {
    }

    /** Why {@code name} cannot be a name, or null when it can; {@code name} is not empty. */
    static String problem(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return "a name without control characters or line breaks, got one holding "
                        + String.format("U+%04X", (int) c);
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "a name of whole characters, got one holding half of a surrogate pair ("
                        + String.format("\\u%04x", (int) c) + ")";
            }
        }
        return null;
    }
}
