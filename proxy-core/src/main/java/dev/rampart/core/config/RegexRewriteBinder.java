package dev.rampart.core.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binds {@code rewrite { regex, replacement }}. The regex is held to what {@code match.path-regex} is (it sees the
 * path in normal form); the replacement must be URI path characters and references to groups the regex has
 * ({@code $1}, {@code ${name}}), so that a typo fails {@code --check} rather than every request with a 500.
 */
final class RegexRewriteBinder {

    /** A group reference in a replacement: {@code $} and a number, or {@code ${name}}. */
    private static final Pattern REFERENCE = Pattern.compile("\\$(?:(\\d+)|\\{([A-Za-z][A-Za-z0-9]*)})");

    private RegexRewriteBinder() {
    }

    static Optional<PathRewrite> bind(ConfigSection s) {
        Optional<Pattern> regex = s.optionalString("regex").flatMap(text -> MatchBinder.regex(s, "regex", text));
        if (!s.has("regex")) {
            s.problem("regex", "missing (expected the regular expression whose matches in the path are replaced)");
        }
        String replacement = s.string("replacement", "");
        if (!s.has("replacement")) {
            s.problem("replacement", "missing (expected what each match becomes, e.g. \"/v2/$1\")");
            return Optional.empty();
        }
        if (regex.isEmpty() || !replacementFits(s, regex.get(), replacement)) {
            return Optional.empty();
        }
        return Optional.of(new PathRewrite.RegexRewrite(regex.get(), replacement));
    }

    /**
     * Whether every reference names a group of {@code regex} and the rest is URI path characters in normal form
     * that makes no dot segment by itself; else reported.
     */
    private static boolean replacementFits(ConfigSection s, Pattern regex, String replacement) {
        Matcher groupsOf = anyGroupOf(regex);
        int groups = groupsOf.groupCount();
        Matcher reference = REFERENCE.matcher(replacement);
        StringBuilder literal = new StringBuilder("/");
        // The replacement with each reference as one character: what it makes of a path, seen as a whole.
        StringBuilder shape = new StringBuilder(replacement.startsWith("/") ? "" : "/");
        int last = 0;
        while (reference.find()) {
            literal.append(replacement, last, reference.start());
            shape.append(replacement, last, reference.start()).append('x');
            last = reference.end();
            String number = reference.group(1);
            String name = reference.group(2);
            if (number != null && (number.length() > 3 || Integer.parseInt(number) > groups)) {
                s.problem("replacement", "$" + number + " names no group: the regex has " + groups
                        + (groups == 1 ? " group" : " groups") + " (got \"" + replacement + "\")");
                return false;
            }
            if (name != null && !namesAGroup(groupsOf, name)) {
                s.problem("replacement", "${" + name + "} names no group of the regex (got \"" + replacement + "\")");
                return false;
            }
        }
        literal.append(replacement, last, replacement.length());
        String rest = literal.toString();
        if (rest.indexOf('$') >= 0 || rest.indexOf('\\') >= 0 || !UriPaths.isPath(rest)) {
            s.problem("replacement", "expected URI path characters (others as %XX, a literal $ as %24) and group"
                    + " references $1 or ${name}, got \"" + replacement + "\"");
            return false;
        }
        shape.append(replacement, last, replacement.length());
        String written = shape.toString();
        String normal = PathEscapes.normalForm(written);
        if (!normal.equals(written) || normal.contains("%00") || normal.contains("/./") || normal.contains("/../")
                || normal.endsWith("/.") || normal.endsWith("/..")) {
            // What is forwarded is in normal form. A "%2e%2e" the replacement writes is ".." to the upstream, and a
            // "/../" would make every matching request a 400: refused here, before any request.
            s.problem("replacement", "is not in normal form, as what is forwarded always is: no \".\" or \"..\""
                    + " segment, no %00, escapes of letters, digits and -._~ written as the character, other escapes"
                    + " in upper case (got \"" + replacement + "\")");
            return false;
        }
        return true;
    }

    /**
     * A matcher that has matched (the empty string) with the groups of {@code regex}: Java 17 lists no group names,
     * but a matcher that has matched says whether it has a group of a name. The empty alternative always matches;
     * the line break ends a comment the regex may end with in {@code (?x)} mode, and is never matched against.
     */
    private static Matcher anyGroupOf(Pattern regex) {
        Matcher matcher = Pattern.compile("(?:" + regex.pattern() + "\n)|", regex.flags()).matcher("");
        matcher.find();
        return matcher;
    }

    private static boolean namesAGroup(Matcher matched, String name) {
        try {
            matched.start(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
