package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gzip stream a relayed body becomes: what the JDK's reader gets back, part by part and whole. */
class GzipEncoderTest {

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void partsOfEveryShapeDecompressToTheBodyWithAValidTrailer() throws IOException {
        Random random = new Random(42);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        try (GzipEncoder encoder = new GzipEncoder(1, alloc)) {
            for (int i = 0; i < 60; i++) {
                byte[] part = i % 3 == 0 ? randomBytes(random, random.nextInt(70_000))
                        : ("{\"line\":" + i + ",\"text\":\"" + "abc".repeat(random.nextInt(5000)) + "\"}\n")
                                .getBytes(StandardCharsets.US_ASCII);
                body.writeBytes(part);
                ByteBuf in = i % 4 == 0 ? composite(part) : alloc.directBuffer().writeBytes(part);
                drain(encoder.compress(in), gzip);
                in.release();
            }
            drain(encoder.finish(), gzip);
        }
        // GZIPInputStream checks the header, the CRC-32 and the length in the trailer.
        assertArrayEquals(body.toByteArray(), gunzip(gzip.toByteArray()));
    }

    @Test
    void eachPartCanBeDecompressedBeforeTheNextOneArrives() throws Exception {
        byte[] first = "data: {\"event\":1}\n\n".getBytes(StandardCharsets.US_ASCII);
        byte[] second = "data: {\"event\":2}\n\n".getBytes(StandardCharsets.US_ASCII);
        try (GzipEncoder encoder = new GzipEncoder(6, alloc)) {
            ByteArrayOutputStream gzip = new ByteArrayOutputStream();
            drain(encoder.compress(Unpooled.wrappedBuffer(first)), gzip);
            Inflater inflater = new Inflater(true);
            byte[] sofar = gzip.toByteArray();
            inflater.setInput(sofar, 10, sofar.length - 10); // past the 10-byte gzip header
            byte[] out = new byte[100];
            int n = inflater.inflate(out);
            assertArrayEquals(first, Arrays.copyOf(out, n), "a stream of events must not wait in the compressor");

            ByteArrayOutputStream more = new ByteArrayOutputStream();
            drain(encoder.compress(Unpooled.wrappedBuffer(second)), more);
            inflater.setInput(more.toByteArray());
            n = inflater.inflate(out);
            assertArrayEquals(second, Arrays.copyOf(out, n));
            inflater.end();
        }
    }

    @Test
    void anEmptyBodyIsAValidEmptyGzipStream() throws IOException {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        GzipEncoder encoder = new GzipEncoder(1, alloc);
        drain(encoder.compress(Unpooled.EMPTY_BUFFER), gzip);
        drain(encoder.finish(), gzip);
        assertEquals(0, gunzip(gzip.toByteArray()).length);
    }

    @Test
    void theInputStaysTheCallersAndUnread() {
        ByteBuf in = alloc.directBuffer().writeBytes("hello hello hello".getBytes(StandardCharsets.US_ASCII));
        try (GzipEncoder encoder = new GzipEncoder(1, alloc)) {
            encoder.compress(in).release();
            assertEquals(0, in.readerIndex());
            assertEquals(17, in.readableBytes());
            assertEquals(1, in.refCnt());
        } finally {
            in.release();
        }
    }

    @Test
    void aHigherLevelGivesASmallerBodyForText() {
        byte[] text = ("GET /items?id=%d HTTP/1.1 ok; " + "the quick brown fox jumps over the lazy dog ")
                .repeat(4000).getBytes(StandardCharsets.US_ASCII);
        assertTrue(compressedLength(9, text) < compressedLength(1, text));
        assertTrue(compressedLength(1, text) < text.length / 10, "repetitive text shrinks at the fastest level too");
    }

    @Test
    void everyPartIsFlushedWholeWhateverRoomItsOutputLeft() throws Exception {
        // Parts of many sizes, half of them incompressible: some sync flush will need more than the room the
        // output has left, and must go on until zlib holds nothing back.
        Random random = new Random(7);
        Inflater inflater = new Inflater(true);
        try (GzipEncoder encoder = new GzipEncoder(1, alloc)) {
            boolean header = true;
            for (int i = 0; i < 80; i++) {
                int size = 1 + random.nextInt(i % 2 == 0 ? 3000 : 90_000);
                byte[] part = i % 2 == 0 ? "event text ".repeat(size / 11 + 1).getBytes(StandardCharsets.US_ASCII)
                        : randomBytes(random, size);
                ByteArrayOutputStream gzip = new ByteArrayOutputStream();
                drain(encoder.compress(Unpooled.wrappedBuffer(part)), gzip);
                byte[] compressed = gzip.toByteArray();
                int skip = header ? 10 : 0; // the gzip header, before the first part
                header = false;
                inflater.setInput(compressed, skip, compressed.length - skip);
                byte[] out = new byte[part.length + 1];
                int n = inflater.inflate(out);
                assertArrayEquals(part, Arrays.copyOf(out, n), "part " + i + " of " + part.length + " bytes, all of it");
            }
        } finally {
            inflater.end();
        }
    }

    @Test
    void anEncoderFinishedWithoutAnyPartWritesAValidEmptyStream() throws IOException {
        // A chunked response that ends with no content: finish is the only call, and must write the header too.
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        drain(new GzipEncoder(1, alloc).finish(), gzip);
        assertEquals(0, gunzip(gzip.toByteArray()).length);
    }

    @Test
    void aClosedEncoderHasGivenItsDeflatersMemoryBack() {
        GzipEncoder encoder = new GzipEncoder(1, alloc);
        encoder.close();
        // An ended Deflater refuses to deflate; one whose zlib memory is still held would go on compressing.
        ByteBuf in = Unpooled.wrappedBuffer("after the end".getBytes(StandardCharsets.US_ASCII));
        assertThrows(NullPointerException.class, () -> encoder.compress(in), "the deflater was ended");
        assertThrows(NullPointerException.class, encoder::finish, "the deflater was ended");
    }

    @Test
    void theEndIsReportedOnceHoweverOftenItIsReached() {
        AtomicInteger ends = new AtomicInteger();
        GzipEncoder finished = new GzipEncoder(1, alloc, ends::incrementAndGet);
        finished.finish().release();
        assertEquals(1, ends.get(), "finish gives the memory back");
        finished.close();
        finished.close();
        assertEquals(1, ends.get(), "a close after finish gives nothing back twice (the slot would be freed twice)");

        AtomicInteger closes = new AtomicInteger();
        GzipEncoder closed = new GzipEncoder(1, alloc, closes::incrementAndGet);
        closed.close();
        closed.close();
        assertEquals(1, closes.get());
    }

    private int compressedLength(int level, byte[] body) {
        ByteArrayOutputStream gzip = new ByteArrayOutputStream();
        GzipEncoder encoder = new GzipEncoder(level, alloc);
        drain(encoder.compress(Unpooled.wrappedBuffer(body)), gzip);
        drain(encoder.finish(), gzip);
        return gzip.size();
    }

    private ByteBuf composite(byte[] part) {
        CompositeByteBuf composite = alloc.compositeDirectBuffer();
        int half = part.length / 2;
        composite.addComponent(true, alloc.directBuffer().writeBytes(part, 0, half));
        composite.addComponent(true, alloc.heapBuffer().writeBytes(part, half, part.length - half));
        return composite;
    }

    private static byte[] randomBytes(Random random, int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    private static void drain(ByteBuf out, ByteArrayOutputStream into) {
        try {
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            into.writeBytes(bytes);
        } finally {
            out.release();
        }
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }
}
