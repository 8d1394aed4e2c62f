package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import io.netty.util.internal.PlatformDependent;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory the replay buffers of all requests in flight hold together, kept under
 * {@code server.max-replay-memory}. Each body's {@code replay-buffer} bounds one request; without a bound on
 * their sum, a burst of uploads would keep a megabyte each until the process ran out of direct memory and
 * every request, not only the uploads, failed. A body that cannot reserve memory here streams instead: it
 * is forwarded as usual and only loses its retries after the first byte is sent (counted as
 * {@code rampart_retries_skipped_total{why="body"}}). Shared by every event loop and carried across reloads.
 */
final class ReplayMemory {

    private final AtomicLong held = new AtomicLong();

    /** The limit {@code configured} stands for: a size, or for {@code auto} half of the direct-memory limit. */
    static long limitOf(long configured) {
        return configured == ServerConfig.AUTO_REPLAY_MEMORY ? PlatformDependent.maxDirectMemory() / 2 : configured;
    }

    /** Takes {@code bytes} more if the total stays within {@code limit}; all or nothing. */
    boolean tryReserve(long bytes, long limit) {
        long now;
        do {
            now = held.get();
            if (bytes > limit - now) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    /** Bytes reserved now. */
    long held() {
        return held.get();
    }
}
