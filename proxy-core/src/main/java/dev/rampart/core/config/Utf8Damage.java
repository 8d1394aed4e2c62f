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
 * that reaches the config is checked: a string written in one piece on the lines it was written on (so a
 * comment in another encoding elsewhere harms nothing, and a U+FFFD written as such in valid UTF-8 is taken
 * as meant); a key, or a string joined from pieces, against its whole file, as HOCON keeps no line for them.
 */
final class Utf8Damage {

    /** A key or string holding U+FFFD; {@code key} when the replacement is in the key (whose line is not known). */
    private record Damaged(String path, ConfigOrigin origin, String text, boolean key) {
    }

    /** The end of a joined string's line range in its origin's description: {@code "f.conf: 2-4"}. */
    private static final java.util.regex.Pattern LINE_RANGE = java.util.regex.Pattern.compile(": \\d+-(\\d+)$");
    private static final String DAMAGED =
            "written in bytes that are not UTF-8 (HOCON files are read as UTF-8, and each such byte would become U+FFFD)";

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
                    damaged.add(new Damaged(child, entry.getValue().origin(), entry.getKey(), true));
                }
                walk(entry.getValue(), child);
            }
        } else if (value instanceof ConfigList list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), path + "[" + i + "]");
            }
        } else if (value.valueType() == ConfigValueType.STRING && replaced((String) value.unwrapped())) {
            damaged.add(new Damaged(path, value.origin(), (String) value.unwrapped(), false));
        }
    }

    private static boolean replaced(String text) {
        return text.indexOf('\uFFFD') >= 0;
    }

    private void report(Damaged d, Problems problems) {
        String file = d.origin().filename();
        // A string's origin names the lines it was written on: one line, or for a string joined from pieces
        // of one file ("caf\xE9 "${x}) a range in its description ("f.conf: 2-4"), lowest line first. One
        // with a piece from elsewhere (the environment) has no file, and a key has its value's origin,
        // wherever that was written: those are checked against whole files.
        boolean onePiece = !d.key() && file != null && !d.origin().description().startsWith("merge of");
        if (onePiece) {
            java.util.regex.Matcher range = LINE_RANGE.matcher(d.origin().description());
            int first = d.origin().lineNumber();
            int last = (range.find() ? Integer.parseInt(range.group(1)) : first)
                    + (int) d.text().chars().filter(c -> c == '\n').count();
            badLines(file).stream().filter(line -> first < 1 || line >= first && line <= last).findFirst()
                    .ifPresent(line -> problems.add(d.path(), DAMAGED + "; save " + file + " as UTF-8 (line " + line
                            + " is not)", d.origin()));
            return;
        }
        // Otherwise: the first line that is not UTF-8 of the value's file, else of the config's other files.
        List<String> candidates = new ArrayList<>();
        if (file != null) {
            candidates.add(file);
        }
        candidates.addAll(files);
        for (String candidate : candidates) {
            List<Integer> lines = badLines(candidate);
            if (!lines.isEmpty()) {
                problems.add(d.path(), DAMAGED + "; save " + candidate + " as UTF-8 (line " + lines.get(0) + " is not)",
                        d.origin());
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
