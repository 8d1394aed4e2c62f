package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An include that finds something it cannot read is refused with the reason, whichever form of include
 * names it: HOCON alone skips such an include without a word, and the proxy would run without the settings
 * of the file (nginx refuses a directory and reads a file of any name). And a problem on a block that an
 * include adds to names each place it is written.
 */
class IncludeProblemsTest extends RejectedConfigSupport {

    @Test
    void aDirectoryNamedByAnIncludeIsRefused() throws Exception {
        Files.createDirectory(dir.resolve("extra.conf"));

        assertEquals(List.of("cannot include extra.conf: " + dir.resolve("extra.conf") + " is a directory" + atTop(1)),
                problemsOf("include \"extra.conf\"\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aFileWhoseNameHoconDoesNotReadIsRefusedNotSkipped() throws Exception {
        Files.writeString(dir.resolve("ups.hocon"), "rampart.server.max-request-body = 1k\n");
        Files.writeString(dir.resolve("common"), "rampart.server.max-request-body = 1k\n");

        assertEquals(List.of(notRead("ups.hocon")), problemsOf("include \"ups.hocon\"\n" + HoconFiles.MINIMAL));
        assertEquals(List.of(notRead("common")), problemsOf("include \"common\"\n" + HoconFiles.MINIMAL));
        assertEquals(List.of(notRead("ups.hocon")),
                problemsOf("include required(\"ups.hocon\")\n" + HoconFiles.MINIMAL),
                "required(...) gives the reason too, not that a readable file cannot be read");
    }

    @Test
    void aFileOfAnotherNameIncludedAsFileIsRefusedNotSkipped() throws Exception {
        Files.writeString(dir.resolve("ups.hocon"), "rampart.server.max-request-body = 1k\n");

        assertEquals(List.of("cannot include " + dir.resolve("ups.hocon") + ": " + dir.resolve("ups.hocon")
                        + " is not read, as HOCON includes only names ending in .conf, .json or .properties"
                        + " (rename the file)" + atTop(1)),
                problemsOf("include file(\"ups.hocon\")\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aPipeOrADeviceIsRefusedBeforeItIsRead() throws Exception {
        Path pipe = dir.resolve("pipe.conf");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        Files.createSymbolicLink(dir.resolve("zeros.conf"), Path.of("/dev/zero"));

        // Read, the pipe would hold the load for ever (so the load runs aside, and a reader left waiting is
        // released by opening the pipe's other end), and /dev/zero would fill the heap.
        CompletableFuture<List<String>> pipeProblems = CompletableFuture.supplyAsync(
                () -> problemsOf("include \"pipe.conf\"\n" + HoconFiles.MINIMAL));
        try {
            assertEquals(List.of("cannot include pipe.conf: " + pipe + " is not a regular file (a pipe or a device)"),
                    pipeProblems.get(10, TimeUnit.SECONDS));
        } catch (TimeoutException readingThePipe) {
            Files.newOutputStream(pipe).close();
            fail("the load read the pipe and waited for a writer");
        }
        assertEquals(List.of("cannot include zeros: " + dir.resolve("zeros.conf") + " is not a regular file (a pipe"
                + " or a device)"), problemsOf("include required(\"zeros\")\n" + HoconFiles.MINIMAL));
        assertEquals(List.of("cannot include " + dir.resolve("zeros") + ": " + dir.resolve("zeros.conf")
                + " is not a regular file (a pipe or a device)"),
                problemsOf("include file(\"zeros\")\n" + HoconFiles.MINIMAL), "file(...) finds zeros.conf too");
    }

    @Test
    void aPipeOrADeviceNamedByAFileUrlIsRefusedBeforeItIsRead() throws Exception {
        Path zeros = Files.createSymbolicLink(dir.resolve("zeros.conf"), Path.of("/dev/zero"));
        Path pipe = dir.resolve("pipe.conf");
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");
        String zerosUrl = zeros.toUri().toURL().toString();
        String pipeUrl = pipe.toUri().toURL().toString();

        // Read, /dev/zero would fill the heap, and the pipe would hold the load for ever (so the load runs aside).
        // Each config in a directory of its own: the two loads run at once.
        Path zeroConfig = HoconFiles.write(Files.createDirectory(dir.resolve("zero")),
                "include url(\"" + zerosUrl + "\")\n" + HoconFiles.MINIMAL);
        Path pipeConfig = HoconFiles.write(Files.createDirectory(dir.resolve("pipe")),
                "include \"" + pipeUrl + "\"\n" + HoconFiles.MINIMAL);
        CompletableFuture<List<String>> zeroProblems = CompletableFuture.supplyAsync(() -> HoconFiles.problems(zeroConfig));
        CompletableFuture<List<String>> pipeProblems = CompletableFuture.supplyAsync(() -> HoconFiles.problems(pipeConfig));
        try {
            assertEquals(List.of("cannot include " + zerosUrl + ": " + zeros + " is not a regular file (a pipe or a"
                    + " device)"), zeroProblems.get(10, TimeUnit.SECONDS));
            assertEquals(List.of("cannot include " + pipeUrl + ": " + pipe + " is not a regular file (a pipe or a"
                    + " device)"), pipeProblems.get(10, TimeUnit.SECONDS), "a quoted name that is a URL, the same");
        } catch (TimeoutException reading) {
            Files.newOutputStream(pipe).close();
            fail("the load read the device or the pipe");
        }
    }

    @Test
    void fileFindsWhatHoconReadsBesideAFileOfTheBareName() throws Exception {
        Files.writeString(dir.resolve("local"), "not HOCON, and not read");
        Files.writeString(dir.resolve("local.conf"), "rampart.server.max-request-body = 1k\n");

        RampartConfig config = HoconFiles.load(dir, "include file(\"local\")\n" + HoconFiles.MINIMAL);

        assertEquals(1024, config.server().maxRequestBody());
    }

    @Test
    void aFileIncludedAsFileIsNotBlamedForWhatItIncludesInTurn() throws Exception {
        Files.writeString(dir.resolve("inner.conf"), "include required(classpath(\"no-such-resource.conf\"))\n");

        List<String> problems = problemsOf("include file(\"inner.conf\")\n" + HoconFiles.MINIMAL);

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("no-such-resource.conf"), problems.get(0));
    }

    @Test
    void aProblemOnABlockWrittenInAFileWhoseNameHasACommaNamesThatFile() throws Exception {
        Path part = Files.createDirectory(dir.resolve("a,b")).resolve("v1.conf");
        List<String> problems = problemsOfABlockIn(part, "a,b/v1.conf");

        assertEquals(List.of(missingEndpointsOfABlockIn(part)), problems);
    }

    @Test
    void aMissingIncludeInAFileIncludedWithoutItsExtensionIsStillRefused() throws Exception {
        // HOCON tries common.conf, common.json and common.properties and keeps quiet about their I/O errors.
        Files.writeString(dir.resolve("common.conf"), "include \"nothere.conf\"\n");

        assertEquals(List.of("cannot read the included file nothere.conf (a relative include is looked up next to"
                + " the file that includes it) (" + dir.resolve("common.conf") + ":1)"),
                problemsOf("include \"common\"\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aMissingRequiredIncludeInAFileIncludedWithoutItsExtensionIsRefusedAndBlamedOnIt() throws Exception {
        Files.writeString(dir.resolve("limits.conf"), "rampart.server.max-connections = 77\n"
                + "include required(\"tuning.conf\")\n");
        String missingTuning = "cannot read the included file tuning.conf (a relative include is looked up next to"
                + " the file that includes it) (" + dir.resolve("limits.conf") + ":2)";

        assertEquals(List.of(missingTuning), problemsOf("include \"limits\"\n" + HoconFiles.MINIMAL));
        assertEquals(List.of(missingTuning), problemsOf("include required(\"limits\")\n" + HoconFiles.MINIMAL));

        Files.writeString(dir.resolve("limits.conf"), "include required(file(\"gone.conf\"))\n");
        assertEquals(List.of("cannot read the included file " + dir.resolve("gone.conf") + " (a relative include is"
                + " looked up next to the file that includes it) (" + dir.resolve("limits.conf") + ":1)"),
                problemsOf("include \"limits\"\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aRequiredFileThatIsADirectoryInsideAFileIncludedWithoutItsExtensionIsRefused() throws Exception {
        Files.createDirectory(dir.resolve("x.conf"));
        Files.writeString(dir.resolve("a.conf"), "rampart.server.max-connections = 77\n"
                + "include required(file(\"x\"))\n");
        String directory = "cannot include " + dir.resolve("x") + ": " + dir.resolve("x.conf") + " is a directory ("
                + dir.resolve("a.conf") + ":2)";

        assertEquals(List.of(directory), problemsOf("include \"a\"\n" + HoconFiles.MINIMAL));
        assertEquals(List.of(directory), problemsOf("include file(\"a\")\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aMissingRequiredClassPathResourceInsideAFileIncludedWithoutItsExtensionIsRefused() throws Exception {
        Files.writeString(dir.resolve("a.conf"), "rampart.server.max-connections = 77\n"
                + "include required(classpath(\"nope-xyz\"))\n");

        assertEquals(List.of("cannot read the included class path resource nope-xyz"),
                problemsOf("include \"a\"\n" + HoconFiles.MINIMAL));
        assertEquals(List.of("cannot read the included class path resource nope-xyz"),
                problemsOf("include file(\"a\")\n" + HoconFiles.MINIMAL));
    }

    @Test
    void anIncludeLinkedToDevNullIsAnEmptyInclude() throws Exception {
        Files.createSymbolicLink(dir.resolve("overrides.conf"), Path.of("/dev/null"));

        RampartConfig config = HoconFiles.load(dir, "include \"overrides.conf\"\n" + HoconFiles.MINIMAL);

        assertEquals(10L * 1024 * 1024, config.server().maxRequestBody());
    }

    @Test
    void anEmptyFileAndAFileFoundByItsBaseNameAreIncluded() throws Exception {
        Files.writeString(dir.resolve("empty.conf"), "");
        Files.writeString(dir.resolve("limits.conf"), "rampart.server.max-request-body = 1k\n");

        RampartConfig config = HoconFiles.load(dir,
                "include \"empty.conf\"\ninclude \"limits\"\n" + HoconFiles.MINIMAL);

        assertEquals(1024, config.server().maxRequestBody());
    }

    @Test
    void aProblemOnABlockWrittenInTwoFilesNamesBothPlaces() throws Exception {
        Path part = dir.resolve("part.conf");
        List<String> problems = problemsOfABlockIn(part, "part.conf");

        assertEquals(List.of(missingEndpointsOfABlockIn(part)), problems);
    }

    /** The problems of upstream {@code app}, written in the main file and in {@code part}, included as {@code name}. */
    private List<String> problemsOfABlockIn(Path part, String name) throws Exception {
        Files.writeString(part, "rampart.upstreams.app {\n  max-concurrent-requests = 10\n}\n");
        return problemsOf("include \"" + name + "\"\n"
                + "rampart {\n  upstreams { app { load-balancing = random } }\n  routes = [ { upstream = app } ]\n}\n");
    }

    /** Its endpoints are missing: written at line 3 of the main file and line 1 of {@code part}. */
    private String missingEndpointsOfABlockIn(Path part) {
        return "rampart.upstreams.app.endpoints: missing (expected a list of host:port) (" + file + ":3, "
                + part + ":1)";
    }

    private String notRead(String name) {
        return "cannot include " + name + ": " + dir.resolve(name) + " is not read, as HOCON includes only names"
                + " ending in .conf, .json or .properties (rename the file)" + atTop(1);
    }

    /** Where a problem about line {@code line} of the file {@link #problemsOf} writes (known before it writes it). */
    private String atTop(int line) {
        return " (" + dir.resolve("rampart.conf") + ":" + line + ")";
    }
}
