package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Binds a route's optional {@code compression} block; absent, relayed responses are sent as they are. */
final class CompressionBinder {

    /** nginx's {@code gzip_min_length} example: below about a kilobyte gzip saves little and costs a round of deflate. */
    static final long DEFAULT_MIN_LENGTH = 1024;
    /** nginx's {@code gzip_comp_level} default: the cheapest level, which gets most of the saving on text. */
    static final int DEFAULT_LEVEL = 1;

    private CompressionBinder() {
    }

    static Optional<CompressionConfig> bind(ConfigSection route) {
        return route.optionalSection("compression").map(CompressionBinder::compression);
    }

    private static CompressionConfig compression(ConfigSection s) {
        List<String> types = types(s);
        long minLength = s.size("min-length", DEFAULT_MIN_LENGTH, 0, Integer.MAX_VALUE);
        int level = s.integer("level", DEFAULT_LEVEL, 1, 9);
        s.finish();
        return new CompressionConfig(types, minLength, level);
    }

    private static List<String> types(ConfigSection s) {
        Optional<List<ConfigValue>> values = s.list("types");
        if (values.isEmpty()) {
            return CompressionConfig.DEFAULT_TYPES;
        }
        if (values.get().isEmpty()) {
            s.problem("types", "must not be empty: list the media types to compress (leave it out for the default"
                    + " text types, or leave compression out to compress nothing)");
            return List.of();
        }
        List<String> types = new ArrayList<>();
        s.forEachString("types", values.get(), (text, value, path) -> {
            String problem = mediaTypeProblem(text);
            if (problem != null) {
                s.problems().add(path, problem, value.origin());
            } else {
                types.add(text.toLowerCase(Locale.ROOT));
            }
        });
        return types;
    }

    /** Why {@code text} is not a media type to compress, or null when it is one. */
    private static String mediaTypeProblem(String text) {
        String expected = "expected a media type such as \"application/json\" or \"text/*\", without parameters, got \""
                + text + "\"";
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            return expected;
        }
        String type = text.substring(0, slash);
        String subtype = text.substring(slash + 1);
        if (!RampartBinder.TOKEN.matcher(type).matches() || !RampartBinder.TOKEN.matcher(subtype).matches()) {
            return expected;
        }
        if (type.equals("*")) {
            return subtype.equals("*") ? "\"" + text + "\" would compress every response, images and archives too,"
                    + " which are compressed already: list the types (\"text/*\" is allowed)"
                    : "\"" + text + "\" names no type: list the types it is meant for (\"application/" + subtype
                    + "\"; only a subtype may be \"*\", as in \"text/*\")";
        }
        if (subtype.contains("*") && !subtype.equals("*")) {
            return expected;
        }
        return null;
    }
}
