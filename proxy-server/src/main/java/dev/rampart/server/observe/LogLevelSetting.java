package dev.rampart.server.observe;

import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * {@code RAMPART_LOG_LEVEL}, checked before logback reads it. The bundled {@code logback.xml} sets the level
 * of the process's own log from it, and logback takes a name it does not know for DEBUG: a typo such as
 * {@code WARNING} would flood stderr with every library's debug lines instead of quieting it.
 */
public final class LogLevelSetting {

    public static final String NAME = "RAMPART_LOG_LEVEL";

    /** The names logback knows, in any case. */
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF", "ALL");

    private LogLevelSetting() {
    }

    /**
     * What is wrong with the setting, or null when it is unset or names a level. Looked up as logback does:
     * a system property first, then the environment.
     */
    public static String problem(UnaryOperator<String> systemProperties, UnaryOperator<String> environment) {
        String value = systemProperties.apply(NAME);
        if (value == null) {
            value = environment.apply(NAME);
        }
        if (value == null || LEVELS.contains(value.toUpperCase(Locale.ROOT))) {
            return null;
        }
        return NAME + " is \"" + value + "\"; expected one of trace, debug, info, warn, error, off (any case)";
    }
}
