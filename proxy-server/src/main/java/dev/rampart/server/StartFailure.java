package dev.rampart.server;

import io.netty.util.internal.OutOfDirectMemoryError;

/**
 * Why a start failed, as the one line after {@code rampart: cannot start: }. What the libraries throw names the
 * step and leaves the reason in a cause (Netty's {@code failed to create a child event loop}, with the
 * {@code Too many open files} under it), or is an error a JVM flag caused (a direct memory limit too small for the
 * event loops' own buffers), which would otherwise reach the operator as a stack trace.
 */
final class StartFailure {

    private StartFailure() {
    }

    /** The reason {@code failure} gives, with its innermost cause's where it names only a step, and what to do. */
    static String describe(Throwable failure) {
        if (failure instanceof OutOfMemoryError) {
            return outOfMemory((OutOfMemoryError) failure);
        }
        String said = text(failure);
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = text(root);
        // A message that gives a reason (after a colon: "cannot listen on h:p: the port is in use ...") has put
        // the cause in its words already; one that only names the step ("failed to create a child event loop") gets
        // its innermost cause's.
        if (root != failure && !said.contains(": ") && !said.contains(reason)) {
            said = said + ": " + reason;
        }
        if (reason.contains("Too many open files")) {
            said = said + "; the open-files limit is " + OpenFilesLimit.ofThisProcess()
                    + ": raise it (ulimit -n, systemd's LimitNOFILE=, Docker's --ulimit nofile=)";
        }
        return said;
    }

    private static String outOfMemory(OutOfMemoryError error) {
        String why = error.getMessage() == null ? "out of memory" : error.getMessage();
        // The JDK's words when it allocates the buffer; Netty's own error when it takes the memory itself (the
        // jar opens java.nio to it, see NettyDefaults).
        if (why.contains("direct buffer memory") || error instanceof OutOfDirectMemoryError) {
            // The event loops allocate their buffers as they are made: a limit below that ends the start.
            return "the JVM's direct memory limit is too small to start the event loops (" + why + "): raise"
                    + " -XX:MaxDirectMemorySize, or leave it out (Netty then takes 40% of the JVM's memory)";
        }
        return "the JVM ran out of heap while starting (" + why + "): raise -Xmx (or -XX:MaxRAMPercentage)";
    }

    private static String text(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
