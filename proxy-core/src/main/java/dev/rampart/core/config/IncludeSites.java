package dev.rampart.core.config;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an include is written, for the problem of one that cannot be made to name, as every other problem names
 * its file and line (nginx: {@code open() "/etc/nginx/x.conf" failed ... in /etc/nginx/sub/b.conf:1}). HOCON's
 * includer is told which directory an include is relative to, never which file holds it: so the files being read
 * are kept here, innermost last, and the include's line is found in the text of the one that names it.
 */
final class IncludeSites {

    /** The files being read, innermost first; an empty list for what is not a file (a URL, a resource, text). */
    private final Deque<List<File>> reading = new ArrayDeque<>();

    /** @param top the file the config is read from, or null for text or a resource */
    IncludeSites(File top) {
        reading.push(top == null ? List.of() : List.of(top));
    }

    /**
     * Reads what {@code files} hold (those HOCON reads for one include: {@code name.conf} and {@code name.json} may
     * both be), so that the includes met meanwhile are looked for in them.
     */
    <T> T reading(List<File> files, Supplier<T> read) {
        reading.push(files);
        try {
            return read.get();
        } finally {
            reading.pop();
        }
    }

    /**
     * {@code problem} with {@code " (file:line)"} of the include of {@code written} (the name as the include writes
     * it) in the file being read, or as it is when that file is not one or names it in no line found.
     */
    String located(String problem, String written) {
        Pattern include = Pattern.compile("\\binclude\\b.*\"" + Pattern.quote(written) + "\"");
        for (File file : reading.isEmpty() ? List.<File>of() : reading.peek()) {
            String text;
            try {
                text = new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException unreadable) {
                continue; // it was read a moment ago; if it cannot be now, the problem goes without its place
            }
            String[] lines = text.split("\r\n|\r|\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (isIncludeOf(include, lines[i])) {
                    return problem + " (" + file.getPath() + ":" + (i + 1) + ")";
                }
            }
        }
        return problem;
    }

    /** Whether {@code line} writes the include, not a comment that names it (an include left there, commented out). */
    private static boolean isIncludeOf(Pattern include, String line) {
        Matcher found = include.matcher(line);
        if (!found.find()) {
            return false;
        }
        String before = line.substring(0, found.start());
        return !before.contains("#") && !before.contains("//");
    }
}
