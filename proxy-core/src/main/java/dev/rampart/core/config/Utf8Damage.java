package dev.rampart.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Refuses keys and strings that HOCON decoded from bytes that are not UTF-8. Typesafe Config reads every
 * file as UTF-8 and turns each byte it cannot decode into U+FFFD without a word, so a {@code respond} body
 * or a header value saved as Latin-1 ({@code "café"}) would be served as {@code "caf\uFFFD"}. Only text
 * that reaches the config is checked: a comment in another encoding harms nothing and is left alone, and a
 * U+FFFD written as such (in valid UTF-8) is taken as meant.
 */
final class Utf8Damage {

    private final Problems problems;
    /** Whether each file already looked at is valid UTF-8; a file is read once however many values it holds. */
    private final Map<String, Boolean> validFiles = new HashMap<>();

    private Utf8Damage(Problems problems) {
        this.problems = problems;
    }

    /** Adds a problem for every key or string of {@code root} that came from bytes that are not UTF-8. */
    static void check(ConfigObject root, Problems problems) {
        new Utf8Damage(problems).walk(root, "");
    }

    private void walk(ConfigValue value, String path) {
        if (value instanceof ConfigObject object) {
            for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
                String child = ConfigSection.childPath(path, entry.getKey());
                if (replaced(entry.getKey())) {
                    report(child, entry.getValue().origin());
                }
                walk(entry.getValue(), child);
            }
        } else if (value instanceof ConfigList list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]");
            }
        } else if (value.valueType() == ConfigValueType.STRING && replaced((String) value.unwrapped())) {
            report(path, value.origin());
        }
    }

    private static boolean replaced(String text) {
        return text.indexOf('\uFFFD') >= 0;
    }

    private void report(String path, ConfigOrigin origin) {
        String file = origin.filename();
        if (file == null || validFiles.computeIfAbsent(file, Utf8Damage::isUtf8)) {
            return;
        }
        problems.add(path, "written in bytes that are not UTF-8 (HOCON files are read as"
                + " UTF-8, and each such byte would become U+FFFD); save " + file + " as UTF-8", origin);
    }

    private static boolean isUtf8(String file) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(Path.of(file))));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        } catch (IOException e) {
            return true; // it was just read by the parser; a file gone since then is not this check's to report
        }
    }
}
