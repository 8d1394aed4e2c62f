package dev.rampart.core.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bounds what one match of a configured regex ({@code match.path-regex}, {@code rewrite.regex}) against a request's
 * path may cost the event loop. Java's regex engine backtracks: a regex such as {@code (.*a){8}$} takes minutes on a
 * 50-character path, an unanchored {@code .*\.php$} a quarter of a second on an 8 KB one, and repetition over a
 * group recurses once per repeat, so a long path can overflow the stack. The path is handed to the engine through
 * a {@link CharSequence} that counts the characters read; past {@link #READS} the match gives up, as PCRE's match
 * limit makes nginx give up (with its default, after about as long), and so does a match that overflows the stack.
 * The request is then answered 500 {@code PATH_REGEX_GAVE_UP}, and no other request waits behind it.
 */
public final class RegexBudget {

    /**
     * Characters one match may read: a path read a few times over is a few thousand; ten million take 25 to 150 ms
     * of one event loop, which a regex that needs them costs on every such request.
     */
    public static final int READS = 10_000_000;

    private RegexBudget() {
    }

    /** Whether {@code regex} is found in {@code path}; {@link GaveUp} when finding out costs too much. */
    public static boolean find(Matcher matcher, Pattern regex, String path) {
        try {
            return matcher.reset(new CountedPath(path, regex)).find();
        } catch (StackOverflowError e) {
            throw new GaveUp(regex, path, "its repetition went deeper than the thread's stack");
        } finally {
            matcher.reset(""); // keep no reference to the request's path
        }
    }

    /** {@code path} with every match of {@code regex} replaced; {@link GaveUp} when that costs too much. */
    public static String replaceAll(Pattern regex, String path, String replacement) {
        Matcher matcher = regex.matcher(new CountedPath(path, regex));
        try {
            return matcher.find() ? matcher.replaceAll(replacement) : path;
        } catch (StackOverflowError e) {
            throw new GaveUp(regex, path, "its repetition went deeper than the thread's stack");
        }
    }

    /**
     * A match that gave up: the request is answered 500 {@code PATH_REGEX_GAVE_UP}. Stackless: it is an answer, not a
     * fault to trace, and an attacker's path can make many.
     */
    public static final class GaveUp extends RuntimeException {

        GaveUp(Pattern regex, String path, String why) {
            super("the regex \"" + regex.pattern() + "\" gave up on a path of " + path.length() + " characters: "
                    + why, null, false, false);
        }
    }

    /** The path as the engine reads it, one character at a time, counted. */
    private static final class CountedPath implements CharSequence {

        private final String path;
        private final Pattern regex;
        private int left = READS;

        CountedPath(String path, Pattern regex) {
            this.path = path;
            this.regex = regex;
        }

        @Override
        public int length() {
            return path.length();
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) {
                throw new GaveUp(regex, path, "it read more than " + READS + " characters (backtracking)");
            }
            return path.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return path.subSequence(start, end); // a group's text, taken once the match is made
        }

        @Override
        public String toString() {
            return path;
        }
    }
}
