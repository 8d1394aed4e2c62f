package dev.rampart.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Empty lines between requests (RFC 9112 §2.2), all in one read: the head guard skips them in one pass. An
 * embedded channel, not a socket, because only it hands the guard a megabyte as one read, as a busy
 * keep-alive connection's reads grow to be.
 */
class EmptyLinesInOneReadTest {

    /** The requests the guard and the decoder make of {@code read}, each as its target, " failed" when refused. */
    private static List<String> requestsOf(String read) {
        RequestHeadGuard guard = new RequestHeadGuard();
        EmbeddedChannel channel = new EmbeddedChannel(guard.beforeDecoder(),
                new ClientHttpCodec(new HttpDecoderConfig()), guard.afterDecoder());
        channel.writeInbound(Unpooled.copiedBuffer(read, StandardCharsets.US_ASCII));
        List<String> requests = new ArrayList<>();
        Object message;
        while ((message = channel.readInbound()) != null) {
            if (message instanceof HttpRequest request) {
                requests.add(request.uri() + (request.decoderResult().isSuccess() ? "" : " failed"));
            } else if (!(message instanceof LastHttpContent)) {
                requests.add("unexpected " + message);
            }
            ReferenceCountUtil.release(message);
        }
        channel.finishAndReleaseAll();
        return requests;
    }

    @Test
    void aSpaceAfterSkippedEmptyLinesIsAFoldAsItWasBeforeTheyWereSkipped() {
        assertEquals(List.of("/a", "/b failed"),
                requestsOf("GET /a HTTP/1.1\r\nHost: x\r\n\r\n\r\n GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @Test
    void aMegabyteOfEmptyLinesBetweenTwoRequestsInOneReadCostsOnePass() {
        String read = "GET /first HTTP/1.1\r\nHost: x\r\n\r\n" + "\r\n".repeat(512 * 1024)
                + "GET /second HTTP/1.1\r\nHost: x\r\n\r\n";

        // Taken pair by pair, each CRLF looked like another head's end and the rest of the read was scanned
        // again: minutes of an event loop for this read, while every other client on it waited.
        List<String> requests = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> requestsOf(read));

        assertEquals(List.of("/first", "/second"), requests, "both requests, and nothing of the empty lines");
    }
}
