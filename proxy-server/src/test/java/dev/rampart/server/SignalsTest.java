package dev.rampart.server;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A SIGHUP that arrives while the server is starting is remembered instead of killing the process (its
 * default action), so that the server can reload once its own handler is in place. Raised at this test's
 * own JVM: were the handler not in place, the test run would end here.
 */
class SignalsTest {

    @Test
    @SuppressWarnings("removal")
    void aSighupWhileStartingIsHeldForTheServerAndAnsweredOnce() throws Exception {
        Signals.holdHupUntilStarted();

        sun.misc.Signal.raise(new sun.misc.Signal("HUP"));

        long deadline = System.nanoTime() + 5_000_000_000L;
        boolean held = false;
        while (!held && System.nanoTime() < deadline) { // signal handlers run on a thread of their own
            held = Signals.hupCameWhileStarting();
            Thread.onSpinWait();
        }
        assertTrue(held, "the SIGHUP was held");
        assertFalse(Signals.hupCameWhileStarting(), "one reload for one SIGHUP");
    }
}
