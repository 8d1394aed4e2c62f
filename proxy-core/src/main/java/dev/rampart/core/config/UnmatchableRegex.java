package dev.rampart.core.config;

/**
 * Finds what a {@code path-regex} requires that no request path can contain. Paths are matched in normal
 * form: escapes in upper case, unreserved characters unescaped, {@code %2F} as "/", bytes above ASCII
 * percent-encoded. A regex written for another form ({@code ^/%7Eadmin}, {@code ^/café}) matches nothing,
 * and a deny route written that way lets every request through; so it is refused. The check is sound,
 * not complete: only a regex without groups or alternatives is looked at (a group may be optional, an
 * alternative or a lookaround need not match, a flag such as {@code (?i)} or {@code (?x)} changes what
 * text means), and in it only literal text outside a character class ({@code [é]} or {@code [%7E]} only
 * offers alternatives) that no quantifier makes optional ({@code %7E?} may match {@code %7}).
 */
final class UnmatchableRegex {

    private UnmatchableRegex() {
    }

    /** The first piece of {@code regex} no request path can contain, with why, or null. */
    static String find(String regex) {
        // \Q...\E quotes text a quantifier after \E may make optional, one character of it: left unchecked,
        // so the scans below never meet quoted text.
        return regex.contains("\\Q") || hasGroupOrAlternative(regex) ? null : firstUnmatchable(regex);
    }

    /** Whether {@code regex} has a {@code (} or {@code |} that is neither escaped nor in a class. */
    private static boolean hasGroupOrAlternative(String regex) {
        int classDepth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '[') {
                classDepth++;
                i = skipLiteralClosingBracket(regex, i);
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
            } else if (classDepth == 0 && (c == '(' || c == '|')) {
                return true;
            }
        }
        return false;
    }

    /**
     * The index to go on from after the {@code [} at {@code open}: past a {@code ^} and a {@code ]} right
     * after it, which is a literal {@code ]} in a Java class ({@code []a]}, {@code [^]a]}).
     */
    private static int skipLiteralClosingBracket(String regex, int open) {
        int i = open;
        if (i + 1 < regex.length() && regex.charAt(i + 1) == '^') {
            i++;
        }
        if (i + 1 < regex.length() && regex.charAt(i + 1) == ']') {
            i++;
        }
        return i;
    }

    private static String firstUnmatchable(String regex) {
        int classDepth = 0;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++; // an escaped character stands for itself or a class: skip it
                continue;
            } else if (c == '[') {
                classDepth++;
                i = skipLiteralClosingBracket(regex, i);
                continue;
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                continue;
            }
            if (classDepth > 0) {
                continue;
            }
            if (c > 0x7F) {
                int end = i + Character.charCount(regex.codePointAt(i));
                if (end < regex.length() && "?*{".indexOf(regex.charAt(end)) >= 0) {
                    i = end - 1; // optional: é? matches a path without it
                    continue;
                }
                return regex.substring(i, end)
                        + ": request paths are matched with bytes above ASCII percent-encoded (as UTF-8)";
            }
            if (c == '%' && i + 2 < regex.length()) {
                String why = escapeProblem(regex, i);
                if (why != null) {
                    return regex.substring(i, i + 3) + ": " + why;
                }
            }
        }
        return null;
    }

    private static String escapeProblem(String regex, int percent) {
        int hi = PathEscapes.hexValue(regex.charAt(percent + 1));
        int lo = PathEscapes.hexValue(regex.charAt(percent + 2));
        boolean quantified = percent + 3 < regex.length() && "?*+{".indexOf(regex.charAt(percent + 3)) >= 0;
        if (hi < 0 || lo < 0 || quantified) {
            return null;
        }
        if (Character.isLowerCase(regex.charAt(percent + 1)) || Character.isLowerCase(regex.charAt(percent + 2))) {
            return "request paths are matched with escapes in upper case";
        }
        char escaped = (char) (hi * 16 + lo);
        if (escaped == '/') {
            return "request paths are matched with %2F as \"/\"";
        }
        if (PathEscapes.isUnreserved(escaped)) {
            return "request paths are matched with unreserved characters unescaped (\"" + escaped + "\")";
        }
        return null;
    }
}
