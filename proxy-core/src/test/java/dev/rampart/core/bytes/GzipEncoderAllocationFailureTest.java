package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * No direct memory for the compressed bytes, as under a burst of compressed responses: the encoder's output
 * buffer, taken before the shortage struck and then unable to grow, is released, not left for the garbage
 * collector (a leak report, and direct memory the process counts as used until then).
 */
class GzipEncoderAllocationFailureTest {

    @Test
    void anOutputBufferThatCannotGrowIsReleased() {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        GzipEncoder gzip = new GzipEncoder(1, alloc);
        ByteBuf plain = incompressible(256 * 1024);
        ByteBuf first = gzip.compress(plain.slice(0, 1024)); // the stream is under way
        first.release();

        // The output starts at half the input's size; incompressible bytes make it grow, which now fails.
        alloc.refuseGrowth();
        assertThrows(OutOfMemoryError.class, () -> gzip.compress(plain));

        gzip.close();
        plain.release();
        assertEquals(List.of(), alloc.unreleased(), "every buffer the encoder took is released");
    }

    private static ByteBuf incompressible(int n) {
        byte[] bytes = new byte[n];
        new Random(42).nextBytes(bytes);
        return Unpooled.wrappedBuffer(bytes);
    }
}
