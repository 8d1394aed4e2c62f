package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where a chunked body ends in a stream of reads, however the reads cut it; and where it cannot be told. */
class ChunkedBodyEndTest {

    private static final String NEXT = "GET /next HTTP/1.1\r\n";

    @ParameterizedTest
    @ValueSource(strings = {
            "0\r\n\r\n",
            "3\r\nabc\r\n0\r\n\r\n",
            "A;name=value\r\n0123456789\r\n0\r\n\r\n",
            "3\nabc\n0\n\n",                                       // bare LF line ends, as the decoder accepts
            "4\r\n\r\n\r\n\r\n0\r\n\r\n",                          // data that looks like line ends
            "5\r\n0\r\n\r\n\r\n0\r\n\r\n",                         // data that looks like the last chunk
            "3\r\nabc\r\n0\r\nX-Checksum: 1\r\nX-More: two\r\n\r\n", // trailer fields
            "1 \r\nz\r\n0\r\n\r\n",                                // whitespace after the size
            "0000000000000000003\r\nabc\r\n00000000000000000000\r\n\r\n", // leading zeros: any number
    })
    void theEndIsFoundWhereverTheReadsAreCut(String body) {
        byte[] bytes = (body + NEXT).getBytes(StandardCharsets.ISO_8859_1);
        for (int cut = 0; cut <= bytes.length; cut++) {
            ChunkedBodyEnd chunks = new ChunkedBodyEnd();
            chunks.start();
            int end = read(chunks, bytes, 0, cut);
            if (end < 0) {
                int second = read(chunks, bytes, cut, bytes.length);
                assertEquals(body.length(), second, "cut at " + cut);
            } else {
                assertEquals(body.length(), end, "cut at " + cut);
            }
        }
    }

    @Test
    void byteByByteTheEndIsTheLastLineFeedOfTheBody() {
        String body = "2\r\nhi\r\n0\r\nT: 1\r\n\r\n";
        byte[] bytes = (body + NEXT).getBytes(StandardCharsets.ISO_8859_1);
        ChunkedBodyEnd chunks = new ChunkedBodyEnd();
        chunks.start();
        int found = -1;
        for (int i = 0; i < bytes.length && found < 0; i++) {
            found = read(chunks, bytes, i, i + 1);
        }
        assertEquals(body.length(), found);
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nab\r\n0\r\n\r\n", "\r\n0\r\n\r\n", "-1\r\n0\r\n\r\n", "1234567890abcdef0\r\n"})
    void aSizeLineItCannotFollowIsNeverAnEnd(String body) {
        byte[] bytes = (body + NEXT).getBytes(StandardCharsets.ISO_8859_1);
        ChunkedBodyEnd chunks = new ChunkedBodyEnd();
        chunks.start();
        assertEquals(-1, read(chunks, bytes, 0, bytes.length));
    }

    @Test
    void nothingIsAnEndBeforeABodyStartsOrAfterItEnded() {
        byte[] bytes = ("0\r\n\r\n" + "0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        ChunkedBodyEnd chunks = new ChunkedBodyEnd();
        assertEquals(-1, read(chunks, bytes, 0, bytes.length), "not started");
        chunks.start();
        assertEquals(5, read(chunks, bytes, 0, bytes.length));
        assertEquals(-1, read(chunks, bytes, 5, bytes.length), "ended: the next body starts it again");
    }

    /** {@link ChunkedBodyEnd#endIn} over bytes[from, to), with indexes of the array. */
    private static int read(ChunkedBodyEnd chunks, byte[] bytes, int from, int to) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return chunks.endIn(buf, from, to);
        } finally {
            buf.release();
        }
    }
}
