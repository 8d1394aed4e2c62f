package dev.rampart.server.observe;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * {@code RAMPART_LOG_LEVEL}, checked before logback reads it. The bundled {@code logback.xml} sets the level
 * of the process's own log from it, and logback takes a name it does not know for DEBUG: a typo such as
 * {@code WARNING} would flood stderr with every library's debug lines instead of quieting it. An empty one
 * (what a compose file or chart template exports for a variable nobody set) means the default, as unset does.
 */
public final class LogLevelSetting {

    public static final String NAME = "RAMPART_LOG_LEVEL";

    /** The names logback knows, in any case. */
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", "ALL");

    private LogLevelSetting() {
    }

    /** The level set, looked up as logback does: a system property first, then the environment; null if unset. */
    private static String value(UnaryOperator<String> systemProperties, UnaryOperator<String> environment) {
        String value = systemProperties.apply(NAME);
        return value != null ? value : environment.apply(NAME);
    }

    /** Whether the setting is there but empty: logback would read it as DEBUG; it means the default. */
    public static boolean isEmpty(UnaryOperator<String> systemProperties, UnaryOperator<String> environment) {
        String value = value(systemProperties, environment);
        return value != null && value.isEmpty();
    }

    /** What is wrong with the setting, or null when it is unset, empty or names a level. */
    public static String problem(UnaryOperator<String> systemProperties, UnaryOperator<String> environment) {
        String value = value(systemProperties, environment);
        if (value == null || value.isEmpty() || LEVELS.contains(value.toUpperCase(Locale.ROOT))) {
            return null;
        }
        return NAME + " is \"" + value + "\"; expected one of trace, debug, info, warn, error, off (any case)";
    }
}
