package dev.rampart.core.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Refuses keys and strings that HOCON decoded from bytes that are not UTF-8. Typesafe Config reads every
 * file as UTF-8 and turns each byte it cannot decode into U+FFFD without a word, so a {@code respond} body
 * or a header value saved as Latin-1 ({@code "café"}) would be served as {@code "caf\uFFFD"}. Only text
 * that reaches the config is checked, line by line: a comment in another encoding harms nothing and is left
 * alone, and a U+FFFD written as such (in valid UTF-8) is taken as meant.
 */
final class Utf8Damage {

    private record Damaged(String path, ConfigOrigin origin, String text) {
    }

    private final List<Damaged> damaged = new ArrayList<>();
    /** Every file a value came from, in name order, so that reports do not depend on hash order. */
    private final TreeSet<String> files = new TreeSet<>();
    /** The 1-based numbers of each file's lines that are not valid UTF-8; read once per file. */
    private final Map<String, List<Integer>> badLines = new HashMap<>();

    private Utf8Damage() {
    }

    /** Adds a problem for every key or string of {@code root} that came from bytes that are not UTF-8. */
    static void check(ConfigObject root, Problems problems) {
        Utf8Damage check = new Utf8Damage();
        check.walk(root, "");
        check.damaged.forEach(d -> check.report(d, problems));
    }

    private void walk(ConfigValue value, String path) {
        if (value.origin().filename() != null) {
            files.add(value.origin().filename());
        }
        if (value instanceof ConfigObject object) {
            for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
                String child = ConfigSection.childPath(path, entry.getKey());
                if (replaced(entry.getKey())) {
                    damaged.add(new Damaged(child, entry.getValue().origin(), entry.getKey()));
                }
                walk(entry.getValue(), child);
            }
        } else if (value instanceof ConfigList list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]");
            }
        } else if (value.valueType() == ConfigValueType.STRING && replaced((String) value.unwrapped())) {
            damaged.add(new Damaged(path, value.origin(), (String) value.unwrapped()));
        }
    }

    private static boolean replaced(String text) {
        return text.indexOf('\uFFFD') >= 0;
    }

    private void report(Damaged d, Problems problems) {
        String file = d.origin().filename();
        if (file != null) {
            // The lines the value is written on: from its first, one more per line break in it (a """ string).
            int first = d.origin().lineNumber();
            int last = first + (int) d.text().chars().filter(c -> c == '\n').count();
            boolean damagedThere = badLines(file).stream().anyMatch(line -> first < 1 || line >= first && line <= last);
            if (damagedThere) {
                problems.add(d.path(), "written in bytes that are not UTF-8 (HOCON files are read as UTF-8, and each"
                        + " such byte would become U+FFFD); save " + file + " as UTF-8", d.origin());
            }
            return;
        }
        // Text of a file joined with a substitution ("caf\xE9 "${?NAME}) has no file of its own: name the
        // first line of the config's files that is not UTF-8.
        for (String candidate : files) {
            List<Integer> lines = badLines(candidate);
            if (!lines.isEmpty()) {
                problems.add(d.path(), "written in bytes that are not UTF-8 (HOCON files are read as UTF-8, and each"
                        + " such byte would become U+FFFD); save " + candidate + " as UTF-8 (line " + lines.get(0)
                        + " is not)", d.origin());
                return;
            }
        }
    }

    private List<Integer> badLines(String file) {
        return badLines.computeIfAbsent(file, Utf8Damage::linesNotUtf8);
    }

    private static List<Integer> linesNotUtf8(String file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(file));
        } catch (IOException e) {
            return List.of(); // it was just read by the parser; a file gone since is not this check's to report
        }
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Integer> bad = new ArrayList<>();
        int line = 1;
        for (int start = 0; start <= bytes.length; line++) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            try {
                strict.reset().decode(ByteBuffer.wrap(bytes, start, end - start));
            } catch (CharacterCodingException e) {
                bad.add(line);
            }
            start = end + 1;
        }
        return bad;
    }
}
