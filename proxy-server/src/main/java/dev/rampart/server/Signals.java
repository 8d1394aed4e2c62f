package dev.rampart.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signal handlers. {@code sun.misc.Signal} is the only way in the JDK to exit with 0 after a
 * SIGTERM drain (a shutdown hook alone exits with 143) and to receive SIGHUP for reload.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    /** A SIGHUP came while the server was starting (see {@link #holdHupUntilStarted}). */
    private static final java.util.concurrent.atomic.AtomicBoolean hupWhileStarting =
            new java.util.concurrent.atomic.AtomicBoolean();

    private Signals() {
    }

    /**
     * Until the server installs its own handlers, a SIGHUP is only remembered: its default action would
     * kill a process that is loading its config or binding its ports, and a config push that sends SIGHUP
     * to an instance just restarted would stop it instead of reloading it. The server reloads once it can
     * ({@link #hupCameWhileStarting}). SIGTERM and SIGINT keep their default: ending a process that has
     * not started serving is what they ask for.
     */
    static void holdHupUntilStarted() {
        on("HUP", () -> hupWhileStarting.set(true), null);
    }

    /** Whether a SIGHUP held by {@link #holdHupUntilStarted} came; answers true once per such SIGHUP. */
    static boolean hupCameWhileStarting() {
        return hupWhileStarting.getAndSet(false);
    }

    /**
     * Installs {@code handler} for {@code name} (TERM, INT, HUP); logs and carries on where unsupported.
     * A signal the process was started with ignored ({@code nohup} ignores HUP) cannot be caught: the JVM
     * leaves it ignored, so {@code otherwise} tells the operator what to do instead (null: not worth a
     * warning, as SIGINT, which a shell's background jobs ignore).
     */
    @SuppressWarnings("removal")
    static void on(String name, Runnable handler, String otherwise) {
        try {
            sun.misc.SignalHandler previous =
                    sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> handler.run());
            if (previous == sun.misc.SignalHandler.SIG_IGN && otherwise != null) {
                log.warn("SIG{} was ignored when this process started (nohup does that to SIGHUP), so it does"
                        + " nothing; {}", name, otherwise);
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("cannot handle SIG{} here: {}; {}", name, e.getMessage(), otherwise);
        }
    }
}
