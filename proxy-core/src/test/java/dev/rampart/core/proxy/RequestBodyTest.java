package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The replay buffer's bookkeeping: what it keeps, when it gives up (past its own limit or for want of
 * room in the shared replay memory), and that every reference and reservation is released once.
 */
class RequestBodyTest {

    /** A body whose replay buffer alone bounds what it keeps. */
    private static RequestBody unbounded(long replayBuffer) {
        return new RequestBody(replayBuffer, true, new ReplayMemory(), Long.MAX_VALUE);
    }

    private static ByteBuf bytes(int n) {
        return Unpooled.buffer(n).writeZero(n);
    }

    @Test
    void chunksWithinTheLimitAreKeptAndReplayedAsNewReferences() {
        RequestBody body = unbounded(10);
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
        RequestBody body = unbounded(5);
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
        RequestBody body = unbounded(5);
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
        RequestBody body = unbounded(5);
        body.hold(new DefaultHttpContent(bytes(8)));
        HttpContent second = new DefaultHttpContent(bytes(8));

        assertThrows(IllegalStateException.class, () -> body.hold(second));
        assertEquals(0, second.refCnt());
        body.release();
    }

    @Test
    void aBodyThatFindsNoRoomInTheReplayMemoryStopsBeingReplayableAndGivesBackWhatItHeld() {
        ReplayMemory memory = new ReplayMemory();
        RequestBody first = new RequestBody(10, true, memory, 6);
        RequestBody second = new RequestBody(10, true, memory, 6);
        ByteBuf a = bytes(4);
        first.append(a, false, null);
        a.release();
        ByteBuf b = bytes(4);
        second.append(b, false, null);
        b.release();

        assertTrue(first.replayable());
        assertFalse(second.replayable(), "4 + 4 bytes are over a replay memory of 6");
        assertEquals(0, b.refCnt(), "nothing of the second body is kept");
        assertEquals(4, memory.held());
        first.release();
        second.release();
        assertEquals(0, memory.held(), "every reservation is given back when the exchanges end");
        assertEquals(0, a.refCnt());
    }

    @Test
    void aChunkTheBodyAgreedToKeepIsKeptWhateverOthersReservedSince() {
        ReplayMemory memory = new ReplayMemory();
        RequestBody body = new RequestBody(10, true, memory, 6);
        RequestBody other = new RequestBody(10, true, memory, 6);
        assertTrue(body.keeps(4));
        assertFalse(other.keeps(4), "the first yes holds its 4 bytes");
        ByteBuf chunk = bytes(4);
        body.append(chunk, false, null);
        chunk.release();

        assertTrue(body.replayable());
        List<ByteBuf> replay = body.replay();
        assertEquals(4, replay.get(0).readableBytes());
        replay.forEach(ByteBuf::release);
        body.release();
        other.release();
        assertEquals(0, memory.held());
    }

    @Test
    void aBodyReadFirstIsReservedWholeOrStreamed() {
        ReplayMemory memory = new ReplayMemory();
        HttpRequest fits = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        fits.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        HttpRequest tooLarge = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/");
        tooLarge.headers().set(HttpHeaderNames.CONTENT_LENGTH, 4);
        RequestBody first = new RequestBody(10, true, memory, 8);
        RequestBody second = new RequestBody(10, true, memory, 8);

        assertTrue(first.readFirst(fits));
        assertEquals(5, memory.held(), "the whole announced length, before a byte of it is read");
        assertFalse(second.readFirst(tooLarge), "3 bytes left: the body streams instead of waiting to be kept");
        first.release();
        second.release();
        assertEquals(0, memory.held());
    }

    @Test
    void smallChunksAreKeptAsCopiesSeveralToABufferAndReplayedByteForByte() {
        RequestBody body = unbounded(1 << 20);
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < 50_000; i++) {
            append(body, new byte[] {(byte) i}, sent); // one-byte chunks, as a client may send
        }
        byte[] large = new byte[RequestBody.COPIED_BELOW];
        Arrays.fill(large, (byte) 7);
        ByteBuf largeChunk = Unpooled.wrappedBuffer(large);
        body.append(largeChunk, false, null);
        sent.writeBytes(large);
        for (int i = 0; i < 10; i++) {
            append(body, new byte[] {(byte) (100 + i), 1, 2}, sent);
        }

        assertEquals(2, largeChunk.refCnt(), "a large chunk is kept as a reference, not copied");
        List<ByteBuf> replay = body.replay();
        // Kept a reference each, 50,011 buffers (about 130 bytes of heap each, whatever their size).
        assertTrue(replay.size() <= 6, replay.size() + " buffers kept");
        ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        for (ByteBuf b : replay) {
            byte[] part = new byte[b.readableBytes()];
            b.readBytes(part);
            replayed.writeBytes(part);
            b.release();
        }
        assertArrayEquals(sent.toByteArray(), replayed.toByteArray(), "in order, byte for byte");
        largeChunk.release();
        body.release();
        assertEquals(0, largeChunk.refCnt());
    }

    /** Appends {@code bytes} as one chunk, releasing the caller's reference as the exchange does, and records them. */
    private static void append(RequestBody body, byte[] bytes, ByteArrayOutputStream sent) {
        ByteBuf chunk = Unpooled.copiedBuffer(bytes);
        body.append(chunk, false, null);
        chunk.release();
        sent.writeBytes(bytes);
    }
}
