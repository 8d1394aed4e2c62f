package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StartFailureTest {

    @Test
    void theReasonInACauseIsSaidAfterTheStepThatFailed() {
        String said = StartFailure.describe(new IllegalStateException("failed to create a child event loop",
                new IllegalStateException("failed to open a new selector", new IOException("Too many open files"))));

        assertTrue(said.startsWith("failed to create a child event loop: Too many open files; the open-files limit is "),
                said);
        assertTrue(said.endsWith("raise it (ulimit -n, systemd's LimitNOFILE=, Docker's --ulimit nofile=)"), said);
    }

    @Test
    void aReasonTheMessageAlreadyGivesIsNotRepeated() {
        String said = StartFailure.describe(new IllegalStateException("cannot listen on 127.0.0.1:8080: the port is in"
                + " use", new IOException("bind(..) failed with error(-98): Address already in use")));

        assertEquals("cannot listen on 127.0.0.1:8080: the port is in use", said);
    }

    @Test
    void aHeapTooSmallSaysWhichFlagToRaise() {
        assertEquals("the JVM ran out of heap while starting (Java heap space): raise -Xmx (or -XX:MaxRAMPercentage)",
                StartFailure.describe(new OutOfMemoryError("Java heap space")));
    }
}
