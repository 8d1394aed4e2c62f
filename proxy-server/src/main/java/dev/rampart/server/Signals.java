package dev.rampart.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signal handlers. {@code sun.misc.Signal} is the only way in the JDK to exit with 0 after a
 * SIGTERM drain (a shutdown hook alone exits with 143) and to receive SIGHUP for reload.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    /** Installs {@code handler} for {@code name} (TERM, INT, HUP); logs and carries on where unsupported. */
    @SuppressWarnings("removal")
    static void on(String name, Runnable handler) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> handler.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("cannot handle SIG{} here: {}", name, e.getMessage());
        }
    }
}
