package dev.rampart.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A start that the JVM's own limits end: exit 1 with a sentence that says which limit, not a stack trace. */
class StartFailureIT {

    @TempDir
    Path dir;

    @Test
    void aDirectMemoryLimitTooSmallForTheEventLoopsEndsTheStartWithASentence() throws Exception {
        // epoll's loops allocate their buffers as they are made (io_uring's too; NIO's not until traffic).
        try (RampartProcess rampart = RampartProcess.start(environment -> environment.put("JDK_JAVA_OPTIONS",
                        "-XX:MaxDirectMemorySize=64k -Drampart.transport=epoll"),
                "--config", RampartProcess.writeConfig(dir, "127.0.0.1:9").toString())) {
            assertEquals(1, rampart.awaitExit(30));
            String err = rampart.stderr();
            assertTrue(err.contains("rampart: cannot start: the JVM's direct memory limit is too small to start the"
                    + " event loops"), err);
            assertTrue(err.contains("raise -XX:MaxDirectMemorySize"), err);
            assertFalse(err.contains("\tat "), err);
            assertFalse(err.contains("Exception in thread"), err);
        }
    }

    @Test
    void anOpenFilesLimitTooSmallToStartSaysSoInASentence() throws Exception {
        // Too few for the JVM's jars, the event loops and the two listeners: which step runs out differs with the
        // machine, and every one of them must end in the limit and what raises it.
        try (RampartProcess rampart = RampartProcess.startWithOpenFiles(16,
                "--config", RampartProcess.writeConfig(dir, "127.0.0.1:9").toString())) {
            assertEquals(1, rampart.awaitExit(30));
            String err = rampart.stderr();
            assertTrue(err.contains("rampart: cannot start: "), err);
            assertTrue(err.contains("Too many open files; the open-files limit is 16: raise it (ulimit -n"), err);
            assertFalse(err.contains("\tat "), err);
        }
    }
}
