package dev.rampart.core.resilience;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when a test says so. Starts at an arbitrary origin, as System.nanoTime() does. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos;

    FakeTicker() {
        this(1_234_567_890_123L);
    }

    FakeTicker(long origin) {
        this.nanos = new AtomicLong(origin);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
