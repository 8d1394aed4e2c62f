package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * No memory for the composite buffer that holds several parts side by side: the part that could not be held
 * is released (its owner passed it on), what was held stays held, and releasing what is held needs no memory.
 */
class HeldPartsCompositeFailureTest {

    @Test
    void aPartThatFindsNoCompositeIsReleasedAndWhatWasHeldStays() {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        HeldParts parts = new HeldParts(alloc);
        ByteBuf first = part(alloc, HeldParts.COPIED_BELOW);
        parts.add(first);
        ByteBuf second = part(alloc, HeldParts.COPIED_BELOW);
        alloc.refuse();

        assertThrows(OutOfMemoryError.class, () -> parts.add(second));

        assertEquals(0, second.refCnt(), "the part handed over is released, not leaked");
        assertEquals(1, parts.buffers(), "the first part is still held");
        parts.release();
        assertEquals(List.of(), alloc.unreleased());
    }

    @Test
    void whatIsHeldIsReleasedWithoutAnyMemoryLeft() {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        HeldParts parts = new HeldParts(alloc);
        parts.add(part(alloc, 10));
        parts.add(part(alloc, 10)); // copied into a copy buffer behind the first part
        assertEquals(2, parts.buffers());
        alloc.refuse();

        parts.release(); // taking them as one would need a composite buffer

        assertEquals(List.of(), alloc.unreleased());
    }

    private static ByteBuf part(RefusingDirectAllocator alloc, int n) {
        ByteBuf buf = alloc.directBuffer(n);
        buf.writerIndex(n);
        return buf;
    }
}
