package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The paths problems name: a key is bare when HOCON would read it back as written, quoted otherwise. */
class ConfigSectionPathTest {

    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9_-]+");

    @Test
    void plainKeysAreBareAndOthersQuoted() {
        assertEquals("rampart.routes", ConfigSection.childPath("rampart", "routes"));
        assertEquals("max-request-body", ConfigSection.childPath("", "max-request-body"));
        assertEquals("upstreams.\"a.b\"", ConfigSection.childPath("upstreams", "a.b"));
        assertEquals("headers.\"\"", ConfigSection.childPath("headers", ""));
        assertEquals("headers.\"X Y\"", ConfigSection.childPath("headers", "X Y"));
    }

    @Test
    void theLoopAgreesWithThePatternOnRandomKeys() {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        String alphabet = "aZz09_-. \"$é/\u0000\u00ff";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder key = new StringBuilder();
            int length = random.nextInt(5);
            for (int j = 0; j < length; j++) {
                key.append(random.nextInt(3) == 0 ? (char) random.nextInt(0x180) : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String k = key.toString();
            assertEquals(BARE.matcher(k).matches(), ConfigSection.isBareKey(k), () -> "seed " + seed + ", key " + k);
        }
    }
}
