package dev.rampart.core.config;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A TLS file that is there but that the process may not read (a Secret mounted for another user, a key left
 * {@code 0600} to root): one problem for it, not the same one twice in other words.
 */
class UnreadableTlsFilesTest extends RejectedConfigSupport {

    /**
     * A file that even root may not read: the tests run as root, and a {@code chmod 000} file is readable to it;
     * write-only files of {@code /proc/sys} are not, the kernel checks them without root's override.
     */
    private static final Path UNREADABLE = Path.of("/proc/sys/vm/drop_caches");
    /** What the problem adds: the reason, and the user that is refused, as nginx says (13: Permission denied). */
    private static final String DENIED = "; permission denied to user " + System.getProperty("user.name") + ", uid ";

    @BeforeEach
    void anUnreadableFileIsAtHand() {
        assumeTrue(Files.isRegularFile(UNREADABLE) && !Files.isReadable(UNREADABLE), "no unreadable file here");
    }

    @Test
    void anUnreadableKeyIsOneProblem() throws Exception {
        TestCertificates pair = TestCertificates.generate(dir, "server", "localhost", "dns:localhost");

        List<String> problems = problemsOf(listener(pair.certChain(), UNREADABLE));

        assertEquals(List.of("rampart.server.tls.private-key: expected a readable file, got \"" + UNREADABLE + "\""
                + DENIED + uid() + at(2)), problems);
    }

    @Test
    void anUnreadableCertificateIsOneProblem() throws Exception {
        TestCertificates pair = TestCertificates.generate(dir, "server", "localhost", "dns:localhost");

        List<String> problems = problemsOf(listener(UNREADABLE, pair.privateKey()));

        assertEquals(List.of("rampart.server.tls.cert-chain: expected a readable file, got \"" + UNREADABLE + "\""
                + DENIED + uid() + at(2)), problems);
    }

    @Test
    void anUnreadableTrustFileIsOneProblem() throws Exception {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app {
                    endpoints = ["https://127.0.0.1:8443"]
                    tls { trust-cert-chain = "%s" }
                  } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(UNREADABLE));

        assertEquals(List.of("rampart.upstreams.app.tls.trust-cert-chain: expected a readable file, got \""
                + UNREADABLE + "\"" + DENIED + uid() + at(4)), problems);
    }

    /** A config file the process may not read says why, and as whom, before what it expected. */
    @Test
    void anUnreadableConfigFileSaysPermissionDeniedAndTheUser() throws Exception {
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(UNREADABLE, java.util.Map.of()));
        assertEquals(UNREADABLE + ": cannot read the file (" + DENIED.substring(2) + uid()
                + "; expected a readable HOCON file)", e.getMessage());
    }

    private static Object uid() throws java.io.IOException {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    }
}
