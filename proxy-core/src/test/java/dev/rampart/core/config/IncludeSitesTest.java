package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An include that cannot be made names the file and line it is written at, as every other problem does and as
 * nginx does ({@code ... in /etc/nginx/sub/b.conf:1}): in a tree of includes, "cannot read nope.conf" alone does
 * not say which file asked for it, nor so which directory it was looked for in.
 */
class IncludeSitesTest extends RejectedConfigSupport {

    private static final String MISSING = "cannot read the included file nope.conf (a relative include is looked up"
            + " next to the file that includes it)";

    @Test
    void aMissingIncludeNamesTheLineOfTheTopFileThatWritesIt() {
        List<String> problems = problemsOf("# limits\n\ninclude \"nope.conf\"\n" + HoconFiles.MINIMAL);

        assertEquals(List.of(MISSING + at(3)), problems);
    }

    @Test
    void anIncludeCommentedOutAboveIsNotTakenForTheOneWritten() {
        List<String> problems = problemsOf("# include \"nope.conf\" (the old name)\n// include \"nope.conf\"\n"
                + "include \"nope.conf\"\n" + HoconFiles.MINIMAL);

        assertEquals(List.of(MISSING + at(3)), problems);
    }

    @Test
    void aMissingIncludeInAnIncludedFileNamesThatFileAndLineNotTheTopOne() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Files.writeString(sub.resolve("b.conf"), "rampart.server.max-connections = 77\ninclude \"nope.conf\"\n");
        Files.writeString(dir.resolve("nope.conf"), "# beside the top file, not beside sub/b.conf\n");

        List<String> problems = problemsOf("include \"sub/b.conf\"\n" + HoconFiles.MINIMAL);

        assertEquals(List.of(MISSING + " (" + sub.resolve("b.conf") + ":2)"), problems);
    }

    @Test
    void aMissingRequiredFileIncludeInAFileIncludedWithoutItsExtensionNamesThatFile() throws Exception {
        Files.writeString(dir.resolve("limits.conf"), "include required(file(\"gone.conf\"))\n");

        List<String> problems = problemsOf("include \"limits\"\n" + HoconFiles.MINIMAL);

        assertEquals(List.of("cannot read the included file " + dir.resolve("gone.conf") + " (a relative include is"
                + " looked up next to the file that includes it) (" + dir.resolve("limits.conf") + ":1)"), problems);
    }

    @Test
    void aDirectoryIncludedAfterAFileThatIsThereNamesItsOwnLine() throws Exception {
        Files.writeString(dir.resolve("a.conf"), "rampart.server.max-connections = 77\n");
        Files.createDirectory(dir.resolve("b.conf"));

        List<String> problems = problemsOf("include \"a.conf\"\ninclude \"b.conf\"\n" + HoconFiles.MINIMAL);

        assertEquals(List.of("cannot include b.conf: " + dir.resolve("b.conf") + " is a directory" + at(2)), problems);
    }
}
