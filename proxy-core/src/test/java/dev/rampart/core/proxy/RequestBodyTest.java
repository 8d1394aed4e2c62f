package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The replay buffer's bookkeeping: what it keeps, when it gives up, and that every reference is released once. */
class RequestBodyTest {

    private static ByteBuf bytes(int n) {
        return Unpooled.buffer(n).writeZero(n);
    }

    @Test
    void chunksWithinTheLimitAreKeptAndReplayedAsNewReferences() {
        RequestBody body = new RequestBody(10, true);
        ByteBuf first = bytes(4);
        body.append(first, false, null);
        first.release(); // the caller's own reference: the kept one stays

        assertTrue(body.keeps(6));
        assertFalse(body.keeps(7));
        List<ByteBuf> replay = body.replay();
        assertEquals(1, replay.size());
        assertEquals(4, replay.get(0).readableBytes());
        replay.forEach(ByteBuf::release);

        body.release();
        assertEquals(0, first.refCnt(), "released once the exchange ends");
    }

    @Test
    void passingTheLimitReleasesWhatWasKeptAndEndsReplayability() {
        RequestBody body = new RequestBody(5, true);
        ByteBuf first = bytes(4);
        body.append(first, false, null);
        first.release();
        ByteBuf second = bytes(4);
        body.append(second, false, null);
        second.release();

        assertFalse(body.replayable());
        assertFalse(body.keeps(0));
        assertEquals(0, first.refCnt());
        assertEquals(List.of(), body.replay());
        body.release();
    }

    @Test
    void aHeldChunkIsHandedOverOnceOrReleasedWithTheBody() {
        RequestBody body = new RequestBody(5, true);
        HttpContent taken = new DefaultHttpContent(bytes(8));
        body.hold(taken);
        assertSame(taken, body.takeHeld());
        assertNull(body.takeHeld(), "handed over once");
        taken.release();

        HttpContent left = new DefaultHttpContent(bytes(8));
        body.hold(left);
        body.release();
        assertEquals(0, left.refCnt(), "a chunk still held when the exchange ends is released with the body");
    }

    @Test
    void aSecondHeldChunkIsABugAndIsReleasedNotLost() {
        RequestBody body = new RequestBody(5, true);
        body.hold(new DefaultHttpContent(bytes(8)));
        HttpContent second = new DefaultHttpContent(bytes(8));

        assertThrows(IllegalStateException.class, () -> body.hold(second));
        assertEquals(0, second.refCnt());
        body.release();
    }
}
