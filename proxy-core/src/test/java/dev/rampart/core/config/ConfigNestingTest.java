package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A config nested deeper than the parser can follow is refused like any invalid config, not a crash, and the
 * problem names the file (where the nesting went too deep is not known: the parser's stack ran out).
 */
class ConfigNestingTest {

    @Test
    void blocksNestedTensOfThousandsDeepAreAConfigErrorOfTheFile() {
        int depth = 50_000;
        String hocon = "rampart { x = " + "{ a = ".repeat(depth) + "1" + " }".repeat(depth) + " }";

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(hocon, "deep.conf"));

        assertEquals(1, e.problems().size(), e.problems().toString());
        assertEquals("deep.conf: blocks or arrays are nested too deeply to be read"
                + " (a config needs a few levels, not thousands)", e.problems().get(0));
    }
}
