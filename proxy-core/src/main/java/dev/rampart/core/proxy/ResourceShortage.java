package dev.rampart.core.proxy;

import dev.rampart.core.bytes.ReadBufferFallback;

/**
 * What the process can run short of that it needs for every request, which the client only sees as 503
 * UPSTREAM_OVERLOADED (retryable: the shortage passes as requests end, or another instance has room), and what
 * the operator is told of each; {@link ShortageWarnings} tells it, at most once a second per kind.
 */
enum ResourceShortage {

    FILE_DESCRIPTORS("out of file descriptors: requests are answered 503 UPSTREAM_OVERLOADED until some close;"
            + " raise the open-files limit (ulimit -n) or lower server.max-connections ({})"),
    MEMORY("out of memory for request and response buffers: requests are answered 503 UPSTREAM_OVERLOADED"
            + " until some end; give the process more direct memory (-XX:MaxDirectMemorySize, or a larger"
            + " container), or lower server.max-replay-memory or server.max-connections ({})");

    private final String message;

    ResourceShortage(String message) {
        this.message = message;
    }

    /** Whether {@code failure} is the process running out of memory rather than a bug. */
    static boolean isMemory(Throwable failure) {
        return ReadBufferFallback.isOutOfMemory(failure);
    }

    /** The WARN's text, with one {@code {}} for what failed. */
    String message() {
        return message;
    }
}
