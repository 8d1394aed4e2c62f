package dev.rampart.core.testing;

import dev.rampart.core.proxy.Transport;
import org.junit.jupiter.api.Assumptions;

/** A transport by name for tests that run on each; a native one this kernel refuses skips the test. */
public final class Transports {

    private Transports() {
    }

    /** {@code io_uring}, {@code epoll} or {@code nio}. */
    public static Transport named(String name) {
        switch (name) {
            case "io_uring":
                Assumptions.assumeTrue(Transport.ioUringAvailable(), "io_uring is not available here");
                return Transport.ioUring();
            case "epoll":
                Assumptions.assumeTrue(Transport.epollAvailable(), "epoll is not available here");
                return Transport.epoll();
            case "nio":
                return Transport.nio();
            default:
                throw new IllegalArgumentException(name);
        }
    }
}
