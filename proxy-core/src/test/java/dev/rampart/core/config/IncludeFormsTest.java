package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each form of include reads what it names: an absolute {@code file(...)}, a {@code url(...)}, a plain include
 * whose name is a URL, a {@code classpath(...)}; what a {@code file(...)} include brings in is checked like the
 * main file (the files it brings in are known to the UTF-8 check); and a config given as text, with no file to be next to, names a missing include instead of
 * crashing.
 */
class IncludeFormsTest extends RejectedConfigSupport {

    /** A file elsewhere than the config's directory that sets the request body limit. */
    private Path limitFile() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        return Files.writeString(elsewhere.resolve("limits.conf"), "rampart.server.max-request-body = 1k\n");
    }

    private RampartConfig loadWith(String include) {
        return HoconFiles.load(dir, include + "\n" + HoconFiles.MINIMAL);
    }

    @Test
    void anAbsoluteFileIncludeReadsThatFile() throws Exception {
        Path limits = limitFile();

        assertEquals(1024, loadWith("include file(\"" + limits + "\")").server().maxRequestBody());
        assertEquals(1024, loadWith("include required(file(\"" + limits + "\"))").server().maxRequestBody());
    }

    @Test
    void aUrlIncludeAndAPlainIncludeNamedByAUrlReadIt() throws Exception {
        String url = limitFile().toUri().toString();

        assertEquals(1024, loadWith("include url(\"" + url + "\")").server().maxRequestBody());
        assertEquals(1024, loadWith("include \"" + url + "\"").server().maxRequestBody());
    }

    @Test
    void aClassPathIncludeReadsTheResource() {
        RampartConfig config = loadWith("include classpath(\"" + ConfigLoader.DEFAULT_RESOURCE + "\")");

        assertEquals(9901, config.admin().port(), "the bundled config's admin port");
    }

    @Test
    void aLatin1KeyInAFileIncludedAsFileIsRefusedWithThatFile() throws Exception {
        // The key's value comes from the main file: only the list of included files leads the check to keys.conf.
        Path keys = dir.resolve("keys.conf");
        Files.write(keys, "rampart.upstreams { \"caf\u00e9\" = ${rampart.upstreams.base} }\n"
                .getBytes(StandardCharsets.ISO_8859_1));

        List<String> problems = problemsOf("""
                rampart { upstreams { base { endpoints = ["127.0.0.1:8081"] } }, routes = [ { upstream = base } ] }
                include file("keys.conf")
                """);

        assertTrue(problems.stream().anyMatch(p -> p.contains("save " + keys + " as UTF-8 (line 1 is not)")),
                problems.toString());
    }

    @Test
    void aConfigGivenAsTextNamesAMissingIncludeInsteadOfCrashing() {
        // (An optional file(...) include of nothing stays optional: a local override that may be absent.)
        for (String include : List.of("include \"nowhere\"", "include required(file(\"nowhere.conf\"))")) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse(include + "\n" + HoconFiles.MINIMAL, "text", Map.of()), include);
            assertEquals(1, e.problems().size(), e.problems().toString());
            assertTrue(e.problems().get(0).startsWith("cannot read the included file nowhere"),
                    include + ": " + e.problems());
        }
    }
}
