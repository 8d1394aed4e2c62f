package dev.rampart.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeakRecorderTest {

    @Test
    void anUnreleasedBufferIsReportedAndAReleasedOneIsNot() {
        LeakRecorder.collect(); // start from a clean slate
        ByteBuf released = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        released.writeLong(1);
        released.release();
        assertTrue(LeakRecorder.collect().isEmpty(), "a released buffer must not be reported");

        leakOne();
        List<String> reports = LeakRecorder.collect();
        assertFalse(reports.isEmpty(), "an unreleased buffer must be reported");
        assertTrue(reports.get(0).startsWith("LEAK:"), reports.get(0));
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
        // dropped without release on purpose
    }
}
