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

    /** A SIGTERM or SIGINT that came while the server was starting (see {@link #holdStopUntilStarted}). */
    private static final java.util.concurrent.atomic.AtomicReference<String> stopWhileStarting =
            new java.util.concurrent.atomic.AtomicReference<>();

    private Signals() {
    }

    /**
     * Until the server installs its own handlers, a SIGHUP is only remembered: its default action would
     * kill a process that is loading its config or binding its ports, and a config push that sends SIGHUP
     * to an instance just restarted would stop it instead of reloading it. The server reloads once it can
     * ({@link #hupCameWhileStarting}). SIGTERM and SIGINT keep their default until the listeners open
     * ({@link #holdStopUntilStarted}): ending a process that has not started serving is what they ask for.
     */
    static void holdHupUntilStarted() {
        on("HUP", () -> hupWhileStarting.set(true), null);
    }

    /**
     * From the moment the listeners are about to open until the server installs its own handlers, a SIGTERM or
     * SIGINT is remembered rather than ending the process at once: the proxy may already be accepting and
     * serving then, and its default action would cut those connections and exit 143 instead of draining
     * (a {@code docker stop} or a TCP probe's pod deleted right after the port opened). The server drains at
     * once when it can ({@link #stopCameWhileStarting}). Before this, while the config loads, they keep their
     * default: nothing is served yet.
     */
    static void holdStopUntilStarted() {
        on("TERM", () -> stopWhileStarting.compareAndSet(null, "SIGTERM"), null);
        on("INT", () -> stopWhileStarting.compareAndSet(null, "SIGINT"), null);
    }

    /** The signal held by {@link #holdStopUntilStarted}, or null when none came. */
    static String stopCameWhileStarting() {
        return stopWhileStarting.getAndSet(null);
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
