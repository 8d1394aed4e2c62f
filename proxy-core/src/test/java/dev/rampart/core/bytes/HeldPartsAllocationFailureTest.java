package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * No direct memory for the next copy buffer, as under a burst of large responses: the part that could not be
 * held is released (its owner passed it on), and what was held before stays held once, in order. Held twice,
 * the parts written before the cut carried a copy buffer's bytes twice, and releasing them released that buffer
 * twice.
 */
class HeldPartsAllocationFailureTest {

    @Test
    void aCopyBufferThatCannotBeAllocatedLeavesWhatWasHeldIntactAndReleasesThePart() {
        RefusingAllocator alloc = new RefusingAllocator();
        HeldParts parts = new HeldParts(alloc);
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        add(parts, new byte[] {1}, held); // the first part, held as it is
        // Small parts fill one copy buffer (16 KiB) to the byte.
        byte[] small = new byte[HeldParts.COPIED_BELOW - 1];
        for (int i = 0; i < small.length; i++) {
            small[i] = (byte) (i * 7);
        }
        int filled = 0;
        while (filled + small.length <= HeldParts.COPY_CAPACITY) {
            add(parts, small, held);
            filled += small.length;
        }
        byte[] rest = new byte[HeldParts.COPY_CAPACITY - filled];
        add(parts, rest, held);

        alloc.refuse = true;
        ByteBuf refused = Unpooled.copiedBuffer(new byte[] {9, 9});
        assertThrows(OutOfMemoryError.class, () -> parts.add(refused));

        ByteBuf all = parts.take();
        byte[] taken = new byte[all.readableBytes()];
        all.readBytes(taken);
        all.release(); // each held buffer once: a buffer held twice fails here
        assertArrayEquals(held.toByteArray(), taken, "what was held, once and in order");
        assertEquals(0, refused.refCnt(), "the part handed over is released, not leaked");
    }

    private static void add(HeldParts parts, byte[] bytes, ByteArrayOutputStream sent) {
        parts.add(Unpooled.copiedBuffer(bytes));
        sent.writeBytes(bytes);
    }

    /** Refuses direct buffers once told to, as Netty does when the direct-memory limit is reached. */
    private static final class RefusingAllocator extends AbstractByteBufAllocator {
        boolean refuse;

        RefusingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            if (refuse) {
                throw new OutOfMemoryError("Cannot reserve " + initialCapacity + " bytes of direct buffer memory");
            }
            return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
