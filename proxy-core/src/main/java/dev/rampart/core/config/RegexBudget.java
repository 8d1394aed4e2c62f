package dev.rampart.core.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bounds what the configured regexes ({@code match.path-regex}, {@code rewrite.regex}) tried on one request's path may
 * cost the event loop, all of them together: one budget per request, spent by every regex routing and the rewrite try
 * on it, so that a request tried against many costly regexes (routes are tried in order) costs no more than one.
 * Java's regex engine backtracks: a regex such as {@code (.*a){8}$} takes minutes on a
 * 50-character path, an unanchored {@code .*\.php$} a quarter of a second on an 8 KB one, and repetition over a
 * group recurses once per repeat, so a long path can overflow the stack. The path is handed to the engine through
 * a {@link CharSequence} that counts the characters read; past {@link #READS} in all the match gives up, as PCRE's match
 * limit makes nginx give up (with its default, after about as long), and so does a match that overflows the stack.
 * The request is then answered 500 {@code PATH_REGEX_GAVE_UP}, and no other request waits behind it.
 */
public final class RegexBudget {

    /**
     * Characters the regexes tried on one request may read: a path read a few times over is a few thousand, by each
     * regex; ten million take 25 to 150 ms of one event loop, which a request whose regexes need them costs.
     */
    public static final int READS = 10_000_000;

    /** Reads this request's regexes have left. Used by one event loop only. */
    private int left = READS;

    /** The path the regex being tried reads; one per request, made when its first regex is tried. */
    private CountedPath reading;

    private CountedPath reading(String path, Pattern regex) {
        if (reading == null) {
            reading = new CountedPath();
        }
        reading.path = path;
        reading.regex = regex;
        return reading;
    }

    /** Whether {@code regex} is found in {@code path}; {@link GaveUp} when finding out costs too much. */
    public boolean find(Matcher matcher, Pattern regex, String path) {
        try {
            return matcher.reset(reading(path, regex)).find();
        } catch (StackOverflowError e) {
            throw new GaveUp(regex, path, "its repetition went deeper than the thread's stack");
        } finally {
            matcher.reset(""); // keep no reference to the request's path
        }
    }

    /** {@code path} with every match of {@code regex} replaced; {@link GaveUp} when that costs too much. */
    public String replaceAll(Pattern regex, String path, String replacement) {
        Matcher matcher = regex.matcher(reading(path, regex));
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

    /** The path as the engine reads it, one character at a time, counted against the request's reads. */
    private final class CountedPath implements CharSequence {

        private String path;
        private Pattern regex;

        @Override
        public int length() {
            return path.length();
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) {
                throw new GaveUp(regex, path, "the request's regexes read more than " + READS
                        + " characters of it (backtracking)");
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
