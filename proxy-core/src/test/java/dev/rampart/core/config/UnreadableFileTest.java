package dev.rampart.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A file the proxy's user may not read says so and names the user. The tests run as root here, whom the kernel lets
 * read any file: the exception is made as {@link Files} throws it on EACCES.
 */
class UnreadableFileTest {

    @TempDir
    Path dir;

    @Test
    void aFileThisUserMayNotReadSaysPermissionDeniedAndNamesTheUser() {
        assertEquals("permission denied to user nobody, uid 65534",
                UnreadableFile.why(new AccessDeniedException("/etc/rampart/key.pem"), "user nobody, uid 65534"));
    }

    @Test
    void aFileThatIsNotThereSaysSo() throws IOException {
        assertEquals("no such file", UnreadableFile.why(dir.resolve("gone.pem")));
    }

    @Test
    void theUserIsThisProcesssOwn() {
        String said = UnreadableFile.why(new AccessDeniedException("/x"), UnreadableFile.processUser());
        assertEquals("permission denied to user " + System.getProperty("user.name"),
                said.replaceFirst(", uid \\d+$", ""));
    }
}
