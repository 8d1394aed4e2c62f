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
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses keys and strings that HOCON decoded from bytes that are not UTF-8. Typesafe Config reads every
 * file as UTF-8 and turns each byte it cannot decode into U+FFFD without a word, so a {@code respond} body
 * or a header value saved as Latin-1 ({@code "café"}) would be served as {@code "caf\uFFFD"}. Only text
 * that reaches the config is checked: a string on the lines its origin names (so a comment in another
 * encoding elsewhere harms nothing, and a U+FFFD written as such in valid UTF-8 is taken as meant); a key,
 * whose line HOCON does not keep, against its value's file and then every file of the config.
 */
final class Utf8Damage {

    /**
     * One piece of an origin's description: {@code "f.conf: 4"}, {@code "f.conf: 2-4"} (a string joined
     * from pieces of one file); a string joined from several places has {@code "merge of "} and a comma
     * between its pieces, one of which may be no file at all ({@code "env var NAME"}).
     */
    private static final Pattern FILE_LINES = Pattern.compile("(.+?): (\\d+)(?:-(\\d+))?(?=,|$)");
    private static final String DAMAGED =
            "written in bytes that are not UTF-8 (HOCON files are read as UTF-8, and each such byte would become U+FFFD)";

    /** A key or string holding U+FFFD; {@code key} when the replacement is in the key. */
    private record Damaged(String path, ConfigOrigin origin, String text, boolean key) {
    }

    /** Lines {@code first} to {@code last} of {@code file}. */
    private record Lines(String file, int first, int last) {
    }

    /**
     * A file's lines as bytes (ISO-8859-1 maps each byte to one char), and the 1-based numbers of those
     * that are not valid UTF-8; empty for a file that cannot be read (it was just read by the parser: one
     * gone since is not this check's to report).
     */
    private record FileLines(List<String> bytes, List<Integer> notUtf8) {
        static FileLines read(String file) {
            List<String> lines;
            try {
                lines = List.of(new String(Files.readAllBytes(Path.of(file)), StandardCharsets.ISO_8859_1).split("\n", -1));
            } catch (IOException e) {
                return new FileLines(List.of(), List.of());
            }
            CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            List<Integer> bad = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                try {
                    strict.reset().decode(ByteBuffer.wrap(lines.get(i).getBytes(StandardCharsets.ISO_8859_1)));
                } catch (CharacterCodingException e) {
                    bad.add(i + 1);
                }
            }
            return new FileLines(lines, bad);
        }

        /** Whether line {@code line} has a {@code """}, which opens or closes a multi-line string. */
        boolean hasTripleQuote(int line) {
            return line >= 1 && line <= bytes.size() && bytes.get(line - 1).contains("\"\"\"");
        }
    }

    private final List<Damaged> damaged = new ArrayList<>();
    /** Every file of the config that is known, in name order, so that reports do not depend on hash order. */
    private final TreeSet<String> files = new TreeSet<>();
    /** Each file's lines, read once per file. */
    private final Map<String, FileLines> read = new HashMap<>();

    private Utf8Damage(Set<String> includedFiles) {
        files.addAll(includedFiles);
    }

    /**
     * Adds a problem for every key or string of {@code root} that came from bytes that are not UTF-8.
     *
     * @param includedFiles the files included while parsing, besides those the values name
     */
    static void check(ConfigObject root, Problems problems, Set<String> includedFiles) {
        Utf8Damage check = new Utf8Damage(includedFiles);
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
        List<Lines> written = d.key() ? List.of() : linesOf(d.origin(), d.text());
        if (!written.isEmpty()) {
            for (Lines lines : written) {
                Optional<Integer> bad = lines(lines.file()).notUtf8().stream()
                        .filter(line -> line >= lines.first() && line <= lines.last()).findFirst();
                if (bad.isPresent()) {
                    problems.add(d.path(), DAMAGED + "; save " + lines.file() + " as UTF-8 (line " + bad.get()
                            + " is not)", d.origin());
                    return;
                }
            }
            return; // every line it was written on is UTF-8: a U+FFFD written as such
        }
        if (!d.key()) {
            return; // a string from no file at all: an environment variable, whose bytes are not the config's
        }
        List<String> candidates = new ArrayList<>();
        if (d.origin().filename() != null) {
            candidates.add(d.origin().filename());
        }
        candidates.addAll(files);
        for (String candidate : candidates) {
            List<Integer> lines = lines(candidate).notUtf8();
            if (!lines.isEmpty()) {
                problems.add(d.path(), DAMAGED + "; save " + candidate + " as UTF-8 (line " + lines.get(0) + " is not)",
                        d.origin());
                return;
            }
        }
    }

    /**
     * The lines of files a string was written on, from its origin; empty when its origin names none. HOCON
     * gives a string with line breaks ({@code """..."""}) the line it ends on, so it spans as many lines
     * before; where it was joined from pieces, each piece is allowed them. A quoted string's {@code \n}
     * escapes are line breaks of the value, not of the file: only a piece with a {@code """} on its last
     * line and on the line as many up as it has breaks is taken to span them. File names may hold commas,
     * so the pieces are found by their {@code ": line"} ends rather than split at commas.
     */
    private List<Lines> linesOf(ConfigOrigin origin, String text) {
        int breaks = (int) text.chars().filter(c -> c == '\n').count();
        String description = origin.description();
        String pieces = description.startsWith("merge of ") ? description.substring("merge of ".length()) : description;
        List<Lines> written = new ArrayList<>();
        Matcher m = FILE_LINES.matcher(pieces);
        while (m.find()) {
            String file = m.group(1).startsWith(",") ? m.group(1).substring(1) : m.group(1);
            while (!Files.isRegularFile(Path.of(file)) && file.indexOf(',') >= 0) {
                file = file.substring(file.indexOf(',') + 1); // a piece before it that was no file ("env var X")
            }
            if (Files.isRegularFile(Path.of(file))) {
                int first = Integer.parseInt(m.group(2));
                int last = m.group(3) == null ? first : Integer.parseInt(m.group(3));
                // Written over lines only if a """ closes it on its last line and one opens it as many lines up
                // (a """ elsewhere on a one-line string's line, in a comment, say, is not its own).
                boolean spansLines = breaks > 0 && lines(file).hasTripleQuote(last)
                        && lines(file).hasTripleQuote(first - breaks);
                written.add(new Lines(file, spansLines ? first - breaks : first, last));
            }
        }
        return written;
    }

    private FileLines lines(String file) {
        return read.computeIfAbsent(file, FileLines::read);
    }
}
