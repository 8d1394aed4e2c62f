package dev.rampart.core.config;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
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
    /** A named group in a regex (Java 17 has no API that lists them). */
    private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([A-Za-z][A-Za-z0-9]*)>");

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

    /** Whether every reference names a group of {@code regex} and the rest is URI path characters; else reported. */
    private static boolean replacementFits(ConfigSection s, Pattern regex, String replacement) {
        int groups = regex.matcher("").groupCount();
        Set<String> names = new HashSet<>();
        Matcher named = NAMED_GROUP.matcher(regex.pattern());
        while (named.find()) {
            names.add(named.group(1));
        }
        Matcher reference = REFERENCE.matcher(replacement);
        StringBuilder literal = new StringBuilder("/");
        int last = 0;
        while (reference.find()) {
            literal.append(replacement, last, reference.start());
            last = reference.end();
            String number = reference.group(1);
            String name = reference.group(2);
            if (number != null && (number.length() > 3 || Integer.parseInt(number) > groups)) {
                s.problem("replacement", "$" + number + " names no group: the regex has " + groups
                        + (groups == 1 ? " group" : " groups") + " (got \"" + replacement + "\")");
                return false;
            }
            if (name != null && !names.contains(name)) {
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
        return true;
    }
}
