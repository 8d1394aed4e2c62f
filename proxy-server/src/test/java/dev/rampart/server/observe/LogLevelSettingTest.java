package dev.rampart.server.observe;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogLevelSettingTest {

    private static String problem(Map<String, String> properties, Map<String, String> environment) {
        return LogLevelSetting.problem(properties::get, environment::get);
    }

    @Test
    void unsetOrAnyLevelNameInAnyCaseIsFine() {
        assertNull(problem(Map.of(), Map.of()));
        for (String level : new String[] {"trace", "DEBUG", "Info", "warn", "ERROR", "off", "all"}) {
            assertNull(problem(Map.of(), Map.of(LogLevelSetting.NAME, level)), level);
        }
    }

    @Test
    void aNameLogbackWouldTakeForDebugIsNamedAsTheProblem() {
        assertEquals("RAMPART_LOG_LEVEL is \"WARNING\"; expected one of trace, debug, info, warn, error, off (any case)",
                problem(Map.of(), Map.of(LogLevelSetting.NAME, "WARNING")));
        assertEquals("RAMPART_LOG_LEVEL is \" info\"; expected one of trace, debug, info, warn, error, off (any case)",
                problem(Map.of(), Map.of(LogLevelSetting.NAME, " info")));
    }

    /** A template's variable nobody set comes as an empty one: the default, as when unset. */
    @Test
    void anEmptySettingIsNoProblemButTheDefault() {
        assertNull(problem(Map.of(), Map.of(LogLevelSetting.NAME, "")));
        assertTrue(LogLevelSetting.isEmpty(name -> null, Map.of(LogLevelSetting.NAME, "")::get));
        assertFalse(LogLevelSetting.isEmpty(name -> null, Map.of(LogLevelSetting.NAME, "warn")::get));
        assertFalse(LogLevelSetting.isEmpty(name -> null, name -> null));
    }

    @Test
    void theSystemPropertyComesFirstAsInLogback() {
        assertNull(problem(Map.of(LogLevelSetting.NAME, "warn"), Map.of(LogLevelSetting.NAME, "bogus")));
        assertEquals("RAMPART_LOG_LEVEL is \"bogus\"; expected one of trace, debug, info, warn, error, off (any case)",
                problem(Map.of(LogLevelSetting.NAME, "bogus"), Map.of(LogLevelSetting.NAME, "warn")));
    }
}
