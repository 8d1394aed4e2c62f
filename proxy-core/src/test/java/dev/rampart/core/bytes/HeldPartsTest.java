package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The parts of one upstream read leave as one buffer: in order, byte for byte, the large ones uncopied and
 * the small ones copied together, so that a read of thousands of one-byte chunks holds a few buffers.
 */
class HeldPartsTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    @Test
    void manySmallPartsAreHeldInAFewBuffersAndLeaveInOrder() {
        HeldParts parts = new HeldParts(ALLOC);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < 40_000; i++) {
            add(parts, new byte[] {(byte) i}, sent);
        }
        byte[] large = new byte[HeldParts.COPIED_BELOW];
        Arrays.fill(large, (byte) 9);
        ByteBuf largePart = Unpooled.wrappedBuffer(large);
        parts.add(largePart);
        sent.writeBytes(large);
        add(parts, new byte[] {1, 2, 3}, sent);

        // As references: 40,002 buffers. The first part, three copies of 16 KiB, the large part, a last copy.
        assertTrue(parts.buffers() <= 6, parts.buffers() + " buffers");
        assertEquals(1, largePart.refCnt(), "the large part is held as it is, not copied and released");
        ByteBuf all = parts.take();
        assertTrue(parts.isEmpty());
        byte[] received = new byte[all.readableBytes()];
        all.readBytes(received);
        all.release();
        assertArrayEquals(sent.toByteArray(), received);
        assertEquals(0, largePart.refCnt(), "released with the buffer it left in");
    }

    @Test
    void aLonePartLeavesAsItIs() {
        HeldParts parts = new HeldParts(ALLOC);
        ByteBuf part = Unpooled.copiedBuffer(new byte[] {1});
        parts.add(part);
        assertSame(part, parts.take(), "no copy, no composite for the common one-part read");
        assertNull(parts.take());
        part.release();
    }

    @Test
    void whatIsHeldWhenTheExchangeEndsIsReleased() {
        HeldParts parts = new HeldParts(ALLOC);
        ByteBuf first = Unpooled.copiedBuffer(new byte[] {1});
        parts.add(first);
        parts.add(Unpooled.copiedBuffer(new byte[] {2}));
        parts.release();
        assertEquals(0, first.refCnt());
        assertTrue(parts.isEmpty());
    }

    private static void add(HeldParts parts, byte[] bytes, ByteArrayOutputStream sent) {
        parts.add(Unpooled.copiedBuffer(bytes));
        sent.writeBytes(bytes);
    }
}
