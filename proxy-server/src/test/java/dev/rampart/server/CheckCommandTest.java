package dev.rampart.server;

import dev.rampart.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --check} in process: exit 0 with the effective config (every default filled in) for a good
 * file, exit 1 with an error naming the key path, file and line for a bad one, warnings on stderr.
 * (ServerProcessIT runs the same command through the packaged jar.)
 */
class CheckCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void aGoodFileExitsZeroAndPrintsTheEffectiveConfigWithDefaults() throws Exception {
        Path file = write("good.conf", """
                rampart {
                  upstreams { orders { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ { name = orders-api, match { path-prefix = "/orders" }, upstream = orders } ]
                }
                """);
        assertEquals(0, check(file));
        String printed = stdout();
        assertTrue(printed.contains("orders-api"), printed);
        assertTrue(printed.contains("per-try-timeout = 5s"), "retry defaults are filled in:\n" + printed);
        assertTrue(printed.contains("load-balancing = round-robin"), "upstream defaults are filled in:\n" + printed);
        assertTrue(printed.contains("max-header-size"), "server defaults are filled in:\n" + printed);
        assertTrue(printed.contains(file + " is valid"), printed);
        assertEquals(1, printed.split("every default filled in", -1).length - 1, "one header line:\n" + printed);
        assertFalse(stderr().contains("warning"), stderr());
    }

    @Test
    void aListenerHostThatDoesNotResolveExitsOneAsTheStartWouldFailNamingWhereItIsWritten() throws Exception {
        Path file = write("host.conf", """
                rampart {
                  server { host = "nonexistent.invalid" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(1, check(file));
        assertTrue(stderr().contains("rampart.server.host: cannot listen on nonexistent.invalid: no such host here ("
                + file + ":2)"), stderr());
    }

    @Test
    void aListenerAddressOfAnotherMachineExitsOneAsTheStartWouldNamingWhereItIsWritten() throws Exception {
        // TEST-NET-3 and TEST-NET-2 (RFC 5737): documentation addresses, no machine's own, and no lookup is needed.
        Path file = write("p.conf", """
                rampart {
                  server { host = "203.0.113.7", port = 0 }
                  admin { host = "198.51.100.9", port = 0 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(1, check(file));
        assertTrue(stderr().contains("rampart.server.host: cannot listen on 203.0.113.7: not an address of this machine ("
                + file + ":2)\n"
                + "rampart.admin.host: cannot listen on 198.51.100.9: not an address of this machine (" + file + ":3)"),
                stderr());
        assertEquals("", stdout());
    }

    @Test
    void aWrongTypeExitsOneNamingKeyPathFileAndLine() throws Exception {
        Path file = write("bad.conf", """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = default, upstream = app,
                      retry { attempts = "three" } }
                  ]
                }
                """);
        assertEquals(1, check(file));
        assertTrue(stderr().contains("rampart.routes[0].retry.attempts: expected a number, got \"three\" ("
                + file + ":5)"), stderr());
        assertEquals("", stdout(), "nothing is printed as effective for an invalid file");
    }

    @Test
    void aLineBreakInTheFilesNameIsEscapedInEveryLineThatNamesIt() throws Exception {
        Path file = write("nl\nname.conf", "rampart { server { port = \"x\" } }\n");
        assertEquals(1, check(file));
        String escaped = file.toString().replace("\n", "\\n");
        assertTrue(stderr().startsWith("rampart: configuration " + escaped + " is invalid:\n"), stderr());
        assertEquals(3, stderr().lines().count(), "the heading and the two problems, a line each: " + stderr());
    }

    @Test
    void aRouteNamingAnUnknownUpstreamExitsOne() throws Exception {
        Path file = write("unknown.conf", """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { name = default, upstream = missing } ]
                }
                """);
        assertEquals(1, check(file));
        assertTrue(stderr().contains("rampart.routes[0].upstream"), stderr());
        assertTrue(stderr().contains("missing"), stderr());
        assertTrue(stderr().contains(file + ":3"), stderr());
    }

    @Test
    void aMissingFileExitsOne() {
        assertEquals(1, check(dir.resolve("absent.conf")));
        assertTrue(stderr().contains("no such file"), stderr());
    }

    @Test
    void aConfigFromAPipeIsCheckedAsAFileIs() throws Exception {
        // render-config | rampart --check --config /dev/stdin: read once, so a pipe will do.
        Path pipe = dir.resolve("stdin");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            try {
                Files.writeString(pipe, "rampart { routes = [ { name = ping, respond { status = 204 } } ] }");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();

        assertEquals(0, check(pipe), stderr());
        assertTrue(stdout().contains("# configuration " + pipe + " is valid"), stdout());
        writer.join();

        assertEquals(1, check(Path.of("/dev/null")), "an empty device holds no config");
        assertTrue(stderr().contains("missing (expected a rampart { ... } block)"), stderr());
    }

    @Test
    void aPipeIsRefusedForAConfigThatServesSinceItCannotBeReadAgainOnReload() throws Exception {
        Path pipe = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
        ConfigException refused = assertThrows(ConfigException.class,
                () -> ConfigSource.resolve(Optional.of(pipe)).load());
        assertEquals(List.of(pipe + ": not a regular file (expected a HOCON file, which is read again on reload)"),
                refused.problems());
    }

    @Test
    void aDirectoryExitsOneSayingItIsADirectory() {
        assertEquals(1, check(dir));
        assertTrue(stderr().contains(dir + ": a directory (expected a HOCON file)"), stderr());
    }

    @Test
    void aDangerousCombinationIsAWarningNotAnError() throws Exception {
        Path file = write("warn.conf", """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { name = default, upstream = app, timeout = 2s, retry { per-try-timeout = 3s } } ]
                }
                """);
        assertEquals(0, check(file));
        assertTrue(stderr().contains("warning:") && stderr().contains("per-try-timeout"), stderr());
        assertTrue(stdout().contains("(1 warning)") || stdout().contains("warnings)"), stdout());
    }

    private int check(Path file) {
        return CheckCommand.run(ConfigSource.resolve(Optional.of(file)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
