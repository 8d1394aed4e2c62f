package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A config file that cannot be read as one: syntax errors, unresolved substitutions, missing or
 * misplaced includes, a file that is not there or ends early. Each problem names the file and line
 * the operator has to open, as the file's values do ({@link ConfigValidationTest}).
 */
class ConfigFileProblemsTest extends RejectedConfigSupport {

    @Test
    void syntaxErrorNamesFileAndLine() {
        String hocon = """
                rampart {
                  server {
                    port = 8080
                  routes = [
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("syntax error: "), problems.get(0));
        assertTrue(problems.get(0).endsWith(" (" + file + ":" + lineOf(hocon, "}") + ")"), problems.get(0));
    }

    @Test
    void unresolvedSubstitutionNamesFileAndLine() {
        String hocon = """
                rampart {
                  server { port = ${RAMPART_PORT} }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(1, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).contains("${RAMPART_PORT}"), problems.get(0));
        assertTrue(problems.get(0).endsWith(at(2)), problems.get(0));
    }

    @Test
    void unreadableFileIsAConfigException() {
        Path missing = dir.resolve("absent.conf");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing, Map.of()));
        assertEquals(missing + ": cannot read the file (expected a readable HOCON file)", e.getMessage());
    }

    @Test
    void aFileThatLooksReadableButFailsToReadIsNamedAsTheFileNotAsAnInclude() {
        // /proc/self/mem passes the readable check, and reading it from its start fails (EIO), as a failing disk would.
        Path failing = Path.of("/proc/self/mem");
        assertTrue(Files.isReadable(failing), "Linux's /proc, which the build runs on");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(failing, Map.of()));
        assertTrue(e.getMessage().startsWith("/proc/self/mem: cannot read the file ("), e.getMessage());
        assertFalse(e.getMessage().contains("include"), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), e.getMessage());
    }

    @Test
    void aMissingRequiredIncludeIsNamedAsTheOperatorWroteIt() {
        assertEquals(List.of("cannot read the included file nothere.conf (a relative include is looked up next to"
                + " the file that includes it) (" + dir.resolve("rampart.conf") + ":2)"),
                problemsOf("rampart {\n  include required(\"nothere.conf\")\n}\n"));
    }

    @Test
    void aPlainIncludeOfAFileThatIsNotThereIsAnErrorNotASilentDefault() throws Exception {
        Files.writeString(dir.resolve("limits.conf"), "rampart.server.max-request-body = 100m\n");
        assertEquals(List.of("cannot read the included file limit.conf (a relative include is looked up next to"
                + " the file that includes it) (" + dir.resolve("rampart.conf") + ":1)"),
                problemsOf("include \"limit.conf\"\n" + HoconFiles.MINIMAL));

        RampartConfig spelt = HoconFiles.load(dir, "include \"limits.conf\"\n" + HoconFiles.MINIMAL);
        assertEquals(100L * 1024 * 1024, spelt.server().maxRequestBody());
        RampartConfig withoutExtension = HoconFiles.load(dir, "include \"limits\"\n" + HoconFiles.MINIMAL);
        assertEquals(100L * 1024 * 1024, withoutExtension.server().maxRequestBody(), "HOCON adds .conf itself");
        Files.writeString(dir.resolve("empty.conf"), "");
        HoconFiles.load(dir, "include \"empty.conf\"\n" + HoconFiles.MINIMAL); // there, though empty: fine
        RampartConfig optional = HoconFiles.load(dir, "include file(\"absent.conf\")\n" + HoconFiles.MINIMAL);
        assertEquals(10L * 1024 * 1024, optional.server().maxRequestBody(), "file(...) stays optional");
    }

    @Test
    void anIncludeFileIsLookedUpNextToTheIncludingFileNotInTheWorkingDirectory() throws Exception {
        Files.writeString(dir.resolve("local.conf"), "rampart.server.max-request-body = 100m\n");
        Files.writeString(dir.resolve("strict.conf"), "rampart.server.max-request-body = 200m\n");

        RampartConfig optional = HoconFiles.load(dir, "include file(\"local.conf\")\n" + HoconFiles.MINIMAL);
        RampartConfig required = HoconFiles.load(dir, "include required(file(\"strict.conf\"))\n" + HoconFiles.MINIMAL);

        assertEquals(100L * 1024 * 1024, optional.server().maxRequestBody(), "HOCON spec: not the working directory");
        assertEquals(200L * 1024 * 1024, required.server().maxRequestBody());
        assertEquals(List.of("cannot read the included file " + dir.resolve("gone.conf") + " (a relative include is"
                + " looked up next to the file that includes it) (" + dir.resolve("rampart.conf") + ":1)"),
                problemsOf("include required(file(\"gone.conf\"))\n" + HoconFiles.MINIMAL));
    }

    @Test
    void aConfigGivenByItsBareFileNameFindsItsIncludesInTheWorkingDirectory() throws Exception {
        // --config proxy.conf, run where the file is: HOCON looks for includes next to a file only when
        // its path has a directory part.
        Path workingDirectory = Path.of("").toAbsolutePath();
        Path config = Files.createTempFile(workingDirectory, "bare-", ".conf");
        Path limits = Files.createTempFile(workingDirectory, "limits-", ".conf");
        try {
            Files.writeString(limits, "rampart.server.max-request-body = 100m\n");
            Files.writeString(config, "include \"" + limits.getFileName() + "\"\n" + HoconFiles.MINIMAL);
            RampartConfig loaded = ConfigLoader.load(config.getFileName(), Map.of());
            assertEquals(100L * 1024 * 1024, loaded.server().maxRequestBody());
        } finally {
            Files.delete(config);
            Files.delete(limits);
        }
    }

    @Test
    void aMissingIncludeIsNamedOnAThreadWithoutAContextClassLoaderAsOnASignalThread() throws Exception {
        Path file = HoconFiles.write(dir, "include \"limit.conf\"\n" + HoconFiles.MINIMAL);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread signalLike = new Thread(() -> {
            try {
                ConfigLoader.load(file, Map.of());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        signalLike.setContextClassLoader(null);
        signalLike.start();
        signalLike.join();
        assertTrue(failure.get() instanceof ConfigException, String.valueOf(failure.get()));
        assertEquals("cannot read the included file limit.conf (a relative include is looked up next to the file"
                + " that includes it) (" + file + ":1)", failure.get().getMessage());
    }

    @Test
    void aFileThatEndsInsideABlockSaysSoWithoutMentioningParentheses() {
        List<String> problems = problemsOf("rampart {\n  server { port = 8080\n");
        assertEquals(List.of("syntax error: the file ends inside a block: a closing } or ] is missing" + at(3)),
                problems);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rampart {\n  routes = [ { respond { status = 200 } }\n",
            "rampart {\n  routes = [ { respond { status = 200 } },\n", "rampart {\n  routes = [\n"})
    void aFileThatEndsInsideAListSaysSoWithoutMentioningACommaThatIsNotThere(String hocon) {
        List<String> problems = problemsOf(hocon); // first: at() names the file it wrote
        assertEquals(List.of("syntax error: the file ends inside a block: a closing } or ] is missing" + at(3)),
                problems);
    }

    @Test
    void aFileWhoseTopLevelIsNotAnObjectSaysSo() {
        List<String> problems = problemsOf("[1, 2]\n");
        assertEquals(List.of("the file's top level has type LIST rather than object ({ rampart { ... } })" + at(1)),
                problems);
    }
}
