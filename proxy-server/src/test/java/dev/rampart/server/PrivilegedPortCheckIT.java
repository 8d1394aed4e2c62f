package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --check} run by the user the proxy runs as, without root: a port below 1024 the start could not listen
 * on is an error, named where it is written, as {@code nginx -t} reports it. Run through {@code setpriv} as
 * {@code nobody}, since the tests run as root, whom the kernel never refuses a port.
 */
class PrivilegedPortCheckIT {

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    @TempDir
    Path dir;

    @Test
    void aLowPortThisUserMayNotListenOnFailsTheCheckNamingTheKeyAndWhatGrantsIt() throws Exception {
        checkAsNobody(Map.of());
    }

    /**
     * Under a German locale the JDK says "Keine Berechtigung" for the refused bind (where the C library's German
     * messages and the locale are installed; elsewhere the words stay English and this is the test above again).
     */
    @Test
    void aLowPortIsRefusedInTheLocalesLanguageToo() throws Exception {
        checkAsNobody(Map.of("LANG", "de_DE.UTF-8", "LC_ALL", "de_DE.UTF-8"));
    }

    private void checkAsNobody(Map<String, String> locale) throws Exception {
        assumeTrue(Files.isExecutable(SETPRIV) && "root".equals(System.getProperty("user.name")),
                "needs root and setpriv to run the check as another user");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(RampartProcess.jar(), dir.resolve("rampart.jar")); // where nobody may read it
        Path file = Files.writeString(dir.resolve("low.conf"), """
                rampart {
                  server { host = "127.0.0.1", port = 80 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        List<String> command = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=nobody", "--regid=nogroup",
                "--clear-groups", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-jar", jar.toString(), "--check", "--config", file.toString()));
        Path stderr = dir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectError(stderr.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(locale);
        Process check = builder.start();
        assertTrue(check.waitFor(60, TimeUnit.SECONDS), "the check ended");
        String err = read(stderr);
        assumeTrue(!err.contains("Unable to access jarfile"), "nobody cannot reach the jar here: " + err);

        assertEquals(1, check.exitValue(), err);
        assertTrue(err.contains("rampart.server.port: cannot listen on 127.0.0.1:80: permission denied: a port below"
                + " 1024 needs root or the CAP_NET_BIND_SERVICE capability"), err);
        assertTrue(err.contains("(" + file + ":2)"), err);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
