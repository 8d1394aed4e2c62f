package dev.rampart.core.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many responses are being gzipped at once, in the whole process ({@code server.max-compressed-responses}).
 * Each holds a deflate state of about 256 KiB of native memory, outside the heap and the direct-memory limit, for
 * as long as it streams: a thousand server-sent-event streams on a compression route would hold a quarter of a
 * gigabyte. Past the limit a response goes as it came, which any client can read. Kept across reloads.
 */
final class CompressionSlots {

    private final AtomicInteger inUse = new AtomicInteger();
    /** Told of each response sent as it came for want of a slot: past the limit nothing else would show it. */
    private final Runnable onRefused;

    CompressionSlots() {
        this(() -> { });
    }

    CompressionSlots(Runnable onRefused) {
        this.onRefused = onRefused;
    }

    /** Takes a slot when fewer than {@code most} are taken: true when the response may be compressed. */
    boolean take(int most) {
        int now;
        do {
            now = inUse.get();
            if (now >= most) {
                onRefused.run();
                return false;
            }
        } while (!inUse.compareAndSet(now, now + 1));
        return true;
    }

    /** Slots taken now: responses being compressed. */
    int inUse() {
        return inUse.get();
    }

    /** Gives back a slot {@link #take} gave, once the response's compressor has ended. */
    void give() {
        inUse.decrementAndGet();
    }
}
