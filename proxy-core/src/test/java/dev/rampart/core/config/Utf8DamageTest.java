package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * HOCON reads files as UTF-8 and turns bytes it cannot decode into U+FFFD silently; a key or string that
 * came from such bytes is refused with the file and line, instead of being served as a replacement character.
 */
class Utf8DamageTest extends RejectedConfigSupport {

    private static final String WITH_BODY = """
            rampart {
              upstreams { app { endpoints = ["127.0.0.1:8081"] } }
              # %s
              routes = [ { upstream = app }, { match { path-prefix = "/hi" }, respond { status = 200, body = "%s" } } ]
            }
            """;

    private Path writeBytes(String text, java.nio.charset.Charset charset) throws Exception {
        file = dir.resolve("rampart.conf");
        Files.write(file, text.getBytes(charset));
        return file;
    }

    @Test
    void aStringSavedAsLatin1IsRefusedWithItsFileAndLine() throws Exception {
        Path latin1 = writeBytes(WITH_BODY.formatted("comment", "café"), StandardCharsets.ISO_8859_1);

        List<String> problems = HoconFiles.problems(latin1);

        assertEquals(List.of("rampart.routes[1].respond.body: written in bytes that are not UTF-8 (HOCON files are"
                + " read as UTF-8, and each such byte would become U+FFFD); save " + latin1 + " as UTF-8 (line 4 is not)"
                + at(4)),
                problems);
    }

    @Test
    void aFileSavedAsUtf16IsRefusedAsSuchWithOrWithoutAByteOrderMark() throws Exception {
        for (java.nio.charset.Charset utf16 : List.of(StandardCharsets.UTF_16, StandardCharsets.UTF_16LE)) {
            Path file = writeBytes(WITH_BODY.formatted("comment", "ok"), utf16);
            List<String> problems = HoconFiles.problems(file);
            assertEquals(1, problems.size(), problems.toString());
            assertEquals(file + ": the file is in UTF-16 (as Windows PowerShell's > and Out-File write by default):"
                    + " save it as UTF-8, which HOCON files are read in", problems.get(0), utf16.toString());
        }
    }

    @Test
    void theSameTextSavedAsUtf8IsServedAsWritten() throws Exception {
        Path utf8 = writeBytes(WITH_BODY.formatted("comment", "café"), StandardCharsets.UTF_8);

        RampartConfig config = ConfigLoader.load(utf8, Map.of());

        assertEquals("café", config.routes().get(1).respond().orElseThrow().body());
    }

    @Test
    void aCommentInAnotherEncodingAndAReplacementCharacterWrittenAsSuchAreLeftAlone() throws Exception {
        byte[] latin1Comment = WITH_BODY.formatted("café", "ok").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve("comment.conf"), latin1Comment);
        Path meant = writeBytes(WITH_BODY.formatted("comment", "\uFFFD"), StandardCharsets.UTF_8);

        assertEquals("ok", ConfigLoader.load(dir.resolve("comment.conf"), Map.of()).routes().get(1).respond()
                .orElseThrow().body(), "a comment harms nothing");
        assertEquals("\uFFFD", ConfigLoader.load(meant, Map.of()).routes().get(1).respond().orElseThrow().body());
    }

    @Test
    void anIncludedFileIsCheckedAsWell() throws Exception {
        Files.write(dir.resolve("routes.conf"), """
                rampart.routes = [ { match { path-prefix = "/x" }, respond { status = 200, body = "naïve" } } ]
                """.getBytes(StandardCharsets.ISO_8859_1));
        file = HoconFiles.write(dir, """
                rampart { upstreams { app { endpoints = ["127.0.0.1:8081"] } } }
                include "routes.conf"
                """);

        List<String> problems = HoconFiles.problems(file);

        Path included = dir.resolve("routes.conf");
        assertEquals(List.of("rampart.routes[0].respond.body: written in bytes that are not UTF-8 (HOCON files are"
                + " read as UTF-8, and each such byte would become U+FFFD); save " + included + " as UTF-8 (line 1 is"
                + " not) (" + included + ":1)"), problems);
    }

    @Test
    void aLatin1CommentDoesNotMakeAReplacementCharacterWrittenAsSuchAnError() throws Exception {
        Path mixed = dir.resolve("mixed.conf");
        Files.write(mixed, concat("# caf".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xE9, '\n'},
                WITH_BODY.formatted("comment", "\uFFFD").getBytes(StandardCharsets.UTF_8)));

        assertEquals("\uFFFD", ConfigLoader.load(mixed, Map.of()).routes().get(1).respond().orElseThrow().body());
    }

    @Test
    void latin1TextJoinedToAnEnvironmentVariableIsRefusedToo() throws Exception {
        Path joined = writeBytes(WITH_BODY.formatted("comment", "caf\u00e9 ").replace("body = \"caf\u00e9 \"",
                "body = \"caf\u00e9 \"${?BODY}"), StandardCharsets.ISO_8859_1);

        ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(joined, Map.of("BODY", "hello")));

        assertEquals(1, refused.problems().size(), refused.problems().toString());
        assertEquals(true, refused.problems().get(0).startsWith("rampart.routes[1].respond.body: written in bytes that"
                + " are not UTF-8"), refused.problems().get(0));
        assertEquals(true, refused.problems().get(0).contains("save " + joined + " as UTF-8 (line 4 is not)"),
                refused.problems().get(0));
    }

    @Test
    void latin1TextJoinedToASubstitutionFromTheSameFileIsRefused() throws Exception {
        Path joined = writeBytes("""
                rampart {
                  server { host = "127.0.0.1" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { respond { status = 200, body = "caf\u00e9 "${rampart.server.host} } } ]
                }
                """, StandardCharsets.ISO_8859_1);

        List<String> problems = HoconFiles.problems(joined);

        assertEquals(1, problems.size(), problems.toString());
        assertEquals(true, problems.get(0).startsWith("rampart.routes[0].respond.body: written in bytes that are not"
                + " UTF-8") && problems.get(0).contains("(line 4 is not)"), problems.get(0));
    }

    @Test
    void aLatin1KeyWhoseValueIsASubstitutionIsRefused() throws Exception {
        Path key = writeBytes("""
                rampart {
                  upstreams { base { endpoints = ["127.0.0.1:8081"] }, "caf\u00e9" = ${rampart.upstreams.base} }
                  routes = [ { upstream = base } ]
                }
                """, StandardCharsets.ISO_8859_1);

        List<String> problems = HoconFiles.problems(key);

        assertEquals(true, problems.stream().anyMatch(p -> p.contains("written in bytes that are not UTF-8")
                && p.contains("(line 2 is not)")), problems.toString());
    }

    @Test
    void aLatin1KeyInAnIncludedFileWhoseValueComesFromAnotherFileIsRefused() throws Exception {
        Files.write(dir.resolve("keys.conf"), "rampart.upstreams { \"caf\u00e9\" = ${rampart.upstreams.base} }\n"
                .getBytes(StandardCharsets.ISO_8859_1));
        file = HoconFiles.write(dir, """
                rampart { upstreams { base { endpoints = ["127.0.0.1:8081"] } }, routes = [ { upstream = base } ] }
                include "keys.conf"
                """);

        List<String> problems = HoconFiles.problems(file);

        assertEquals(true, problems.stream().anyMatch(p -> p.contains("save " + dir.resolve("keys.conf")
                + " as UTF-8 (line 1 is not)")), problems.toString());
    }

    @Test
    void aReplacementCharacterJoinedAcrossFilesIsNotBlamedOnAnIncludesLatin1Comment() throws Exception {
        Files.write(dir.resolve("legacy.conf"), concat("# caf".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xE9, '\n'}, "rampart.server.idle-timeout = 60s\n".getBytes(StandardCharsets.US_ASCII)));
        Path main = dir.resolve("main.conf");
        Files.writeString(main, """
                include "legacy.conf"
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { respond { status = 200, body = "\uFFFD "${rampart.server.idle-timeout} } } ]
                }
                """, StandardCharsets.UTF_8);

        assertEquals("\uFFFD 60s", ConfigLoader.load(main, Map.of()).routes().get(0).respond().orElseThrow().body());
    }

    @Test
    void latin1OnAnyLineOfAMultiLineStringIsRefused() throws Exception {
        Path multi = writeBytes("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { respond { status = 503, body = \"\"\"<html>
                <p>D\u00e9sol\u00e9</p>
                </html>\"\"\" } } ]
                }
                """, StandardCharsets.ISO_8859_1);

        List<String> problems = HoconFiles.problems(multi);

        assertEquals(1, problems.size(), problems.toString());
        assertEquals(true, problems.get(0).contains("(line 4 is not)"), problems.get(0));
    }

    @Test
    void aJoinedStringIsFollowedIntoAnIncludedFileWhoseNameHasACommaAndAnEnvironmentValueIsLeftAlone()
            throws Exception {
        Files.write(dir.resolve("site, prod.conf"), "rampart.server.idle-timeout = 60s\n".getBytes(StandardCharsets.US_ASCII));
        Path main = writeBytes("""
                include "site, prod.conf"
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { respond { status = 200, body = "caf\u00e9 "${rampart.server.idle-timeout} } } ]
                }
                """, StandardCharsets.ISO_8859_1);
        assertEquals(true, HoconFiles.problems(main).get(0).contains("(line 4 is not)"));

        Files.write(dir.resolve("legacy.conf"), concat("# caf".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0xE9, '\n'}));
        Path fromEnvironment = writeBytes("""
                include "legacy.conf"
                rampart { routes = [ { respond { status = 200, body = ${BODY} } } ] }
                """, StandardCharsets.UTF_8);
        assertEquals("\uFFFD", ConfigLoader.load(fromEnvironment, Map.of("BODY", "\uFFFD")).routes().get(0).respond()
                .orElseThrow().body(), "the environment's text is not the config files'");
    }

    @Test
    void escapedLineBreaksInAOneLineStringAreNotLinesOfTheFile() throws Exception {
        Path escaped = dir.resolve("escaped.conf");
        Files.write(escaped, concat("rampart {\n  upstreams { app { endpoints = [\"127.0.0.1:8081\"] } }\n# caf"
                .getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xE9, '\n'},
                ("  routes = [ { respond { status = 200, body = \"a\\nb\\nc\\n\uFFFD\" } } ]  # not \"\"\"...\"\"\"\n}\n")
                        .getBytes(StandardCharsets.UTF_8)));

        assertEquals("a\nb\nc\n\uFFFD", ConfigLoader.load(escaped, Map.of()).routes().get(0).respond().orElseThrow()
                .body(), "the Latin-1 comment above is not part of the string");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
