package dev.rampart.core.config;

import dev.rampart.core.observe.LogText;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typesafe Config messages that print its own objects ({@code Unquoted("x")}, {@code SimpleConfigObject({...})},
 * {@code ParseableFile(...)}) put in an operator's words. Those renderings name classes of the library, and a
 * block's rendering is the whole block with every value in it, a token taken from the environment included.
 */
final class TypesafeWording {

    private static final String CONCATENATION = "Cannot concatenate object or list with a non-object-or-list";
    private static final String INCLUDE_CYCLE = "include statements nested more than";
    /** A string or number as Typesafe renders it: {@code Unquoted("x")}, {@code Quoted("x")}, {@code ConfigInt(5)}. */
    private static final Pattern SCALAR = Pattern.compile(
            "\\b(?:Unquoted|Quoted)\\(\"((?:[^\"\\\\]|\\\\.)*)\"\\)|\\bConfig(?:Int|Long|Double|Boolean|Null)\\(([^()]*)\\)");
    /** One entry of an include trace: {@code ParseableFile(/etc/a.conf)}, {@code ParseableURL(http://...)}. */
    private static final Pattern TRACED = Pattern.compile("\\bParseable\\w*\\(([^()]*)\\)");
    /** How many files of an include cycle are named; a longer one ends with "...". */
    private static final int CYCLE_NAMES = 5;

    private TypesafeWording() {
    }

    /** Whether {@code message} is one this class rewords. */
    static boolean rewords(String message) {
        return message.startsWith(CONCATENATION) || message.startsWith(INCLUDE_CYCLE);
    }

    /** {@code message} without Typesafe's renderings of its objects; as it is when {@link #rewords} is false. */
    static String reword(String message) {
        if (message.startsWith(CONCATENATION)) {
            return concatenation(message);
        }
        if (message.startsWith(INCLUDE_CYCLE)) {
            return includeCycle(message);
        }
        return message;
    }

    /**
     * {@code [ x { ... } ]} or {@code a = x { ... }}: a word and a block side by side, which HOCON tries to join
     * into one value (as it joins {@code a b} into "a b") and cannot.
     */
    private static String concatenation(String message) {
        if (message.contains("SimpleConfigList(") && message.contains("SimpleConfigObject(")) {
            // No word at all: [ ... ] { ... }, which Typesafe refuses with the same words.
            return "a [ ... ] list and a { ... } block side by side, which HOCON cannot join into one value: a value"
                    + " is a list or a block, not both";
        }
        Matcher scalar = SCALAR.matcher(message);
        String word = !scalar.find() ? "a string or number"
                : "\"" + LogText.oneLine(scalar.group(1) != null ? scalar.group(1) : scalar.group(2)) + "\"";
        boolean list = message.contains("SimpleConfigList(");
        String what = list ? "a [ ... ] list" : "a { ... } block";
        return word + " and " + what + " side by side, which HOCON cannot join into one value: a value that is "
                + (list ? "a list is written [ ... ] alone" : "a block is written { ... } alone (in a list too, where"
                + " an element is { name = ..., ... }, not name { ... })");
    }

    /** The files of the cycle, in the order they include each other, instead of fifty entries of a trace. */
    private static String includeCycle(String message) {
        List<String> trace = new ArrayList<>();
        Matcher traced = TRACED.matcher(message);
        while (traced.find()) {
            trace.add(traced.group(1));
        }
        // The trace lists the innermost include first: read from the outermost, the cycle starts with the file the
        // operator's file includes.
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (int i = trace.size() - 1; i >= 0; i--) {
            seen.merge(trace.get(i), 1, Integer::sum);
        }
        List<String> cycle = new ArrayList<>();
        seen.forEach((file, times) -> {
            if (times > 1) {
                cycle.add(file);
            }
        });
        if (cycle.isEmpty()) {
            return "includes are nested more than 50 deep: they include each other in a cycle";
        }
        List<String> shown = new ArrayList<>(cycle.subList(0, Math.min(CYCLE_NAMES, cycle.size())));
        shown.add(cycle.size() > CYCLE_NAMES ? "..." : cycle.get(0));
        return "includes are nested more than 50 deep: they include each other in a cycle ("
                + LogText.oneLine(String.join(" includes ", shown)) + ")";
    }
}
