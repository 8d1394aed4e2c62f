package dev.rampart.core.config;

import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects validation problems instead of failing on the first, so that one {@code --check} shows
 * everything wrong with a file. Problems are reported in file order (by source, then line), which is
 * the order an operator reads and fixes them in, not the order the binder happened to visit keys.
 */
final class Problems {

    private record Problem(String source, int line, String text) {
    }

    /** How Typesafe Config describes the origin of an object merged from several places. */
    private static final String MERGED = "merge of ";
    private static final Pattern MERGED_PLACE = Pattern.compile("(.+?): (\\d+)(?:-\\d+)?(?:,|$)");

    private final List<Problem> problems = new ArrayList<>();

    /**
     * Records one problem.
     *
     * @param path    the key path, e.g. {@code rampart.routes[2].retry.attempts}
     * @param message what was expected and what was got
     * @param origin  where the offending value (or its enclosing object) is written; may be null
     */
    void add(String path, String message, ConfigOrigin origin) {
        String where = origin == null ? null : where(origin);
        String text = path + ": " + message + (where == null ? "" : " (" + where + ")");
        problems.add(new Problem(origin == null ? "" : source(origin), origin == null ? -1 : origin.lineNumber(), text));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Throws a {@link ConfigException} listing every problem, if there is any. */
    void throwIfAny() {
        if (problems.isEmpty()) {
            return;
        }
        Map<String, Integer> sourceOrder = new LinkedHashMap<>();
        for (Problem p : problems) {
            sourceOrder.putIfAbsent(p.source(), sourceOrder.size());
        }
        List<Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.<Problem>comparingInt(p -> sourceOrder.get(p.source()))
                .thenComparingInt(p -> p.line() < 0 ? Integer.MAX_VALUE : p.line()));
        throw new ConfigException(sorted.stream().map(Problem::text).toList());
    }

    /** {@code file:line} for a value's origin, the way compilers and editors expect it. */
    static String where(ConfigOrigin origin) {
        String source = source(origin);
        return origin.lineNumber() >= 0 ? source + ":" + origin.lineNumber() : source;
    }

    private static String source(ConfigOrigin origin) {
        String description = origin.description();
        if (description.startsWith(MERGED)) {
            // A block written in several files (an include adding to it), whose filename() is this very
            // description: each place as file:line.
            StringBuilder places = new StringBuilder();
            Matcher place = MERGED_PLACE.matcher(description.substring(MERGED.length()));
            while (place.find()) { // "a,b.conf: 5,c.conf: 1": a comma ends a place only after its line
                places.append(places.isEmpty() ? "" : ", ").append(place.group(1)).append(':').append(place.group(2));
            }
            return places.isEmpty() ? description : places.toString();
        }
        if (origin.filename() != null) {
            return origin.filename();
        }
        if (origin.resource() != null) {
            return origin.resource();
        }
        if (origin.url() != null) {
            return origin.url().toString();
        }
        // Typesafe appends ": line" to descriptions of parsed text; the line is added back by where().
        return description.replaceFirst(": \\d+(-\\d+)?$", "");
    }
}
