package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No direct memory for the copy a small chunk is kept in: the body stops being replayable, as when the replay
 * memory has no room, and the chunk goes on to the attempt. Thrown instead, the failure left the chunk the
 * intake had taken unreleased (a leak) and the body counting bytes it had not kept, and ended an upload that
 * needed no memory to go on.
 */
class RequestBodyCopyFailureTest {

    @Test
    void aChunkThatCannotBeCopiedEndsTheReplayAndGivesBackWhatWasKept() {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        ReplayMemory memory = new ReplayMemory();
        RequestBody body = new RequestBody(1 << 20, true, memory, Long.MAX_VALUE);
        ByteBuf large = chunk(alloc, RequestBody.COPIED_BELOW);
        body.append(large, false, null); // kept as a reference
        large.release();
        ByteBuf small = chunk(alloc, 100);
        ByteBuf last = chunk(alloc, 0);
        alloc.refuse();

        body.append(small, false, null); // its copy cannot be had

        assertFalse(body.replayable(), "a body missing a chunk cannot be replayed");
        assertEquals(RequestBody.COPIED_BELOW + 100, body.received());
        assertEquals(0, memory.held(), "the reservation is given back at once");
        assertEquals(List.of(), body.replay());
        assertEquals(1, small.refCnt(), "the chunk stays the caller's, to write on");
        small.release();

        body.append(last, true, null);
        last.release();
        assertTrue(body.complete());
        body.release();
        assertEquals(List.of(), alloc.unreleased(), "what was kept is released");
    }

    private static ByteBuf chunk(RefusingDirectAllocator alloc, int n) {
        ByteBuf buf = alloc.directBuffer(Math.max(n, 1));
        buf.writerIndex(n);
        return buf;
    }
}
