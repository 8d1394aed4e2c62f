package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A response head whose encoding ran out of direct memory halfway (its buffer taken, then unable to grow for a
 * head larger than the encoder's estimate) answers nothing: the 503 that replaces it answers the same request.
 * The encoder had already taken that request's method off the queue of unanswered ones, so the 503 was framed for
 * the request pipelined behind it, a HEAD: sent without its body but with its Content-Length, the client read the
 * next response as that body.
 */
class PipelinedAfterUnencodedHeadTest {

    private static final String LARGE_HEADER = "x".repeat(2000);

    @Test
    void theAnswerToAHeadThatCouldNotBeEncodedIsFramedForItsOwnRequest() throws Exception {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        try (FakeUpstream upstream = FakeUpstream.start((request, reply) -> reply.send(200, "text/plain",
                "answer to " + request.uri(), "X-Large", switch (request.uri()) {
                    case "/large" -> LARGE_HEADER;
                    case "/larger" -> LARGE_HEADER + LARGE_HEADER;
                    default -> "small"; // a head the estimate has room for
                }));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.socket().setSoTimeout(10_000);
            Await.until(() -> proxy.listener().connections().size() == 1, "the client's connection accepted");
            Channel client = proxy.listener().connections().iterator().next();
            client.eventLoop().submit(() -> client.config().setAllocator(alloc)).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 3; i++) { // the encoder's estimate of a head's size grows towards these heads
                raw.send("GET /large HTTP/1.1\r\nHost: app.example\r\n\r\n");
                assertEquals(200, raw.read().status());
            }
            alloc.refuseGrowth(); // a head larger than the estimate cannot be encoded; the 503's can

            raw.send("GET /larger HTTP/1.1\r\nHost: app.example\r\n\r\n"
                    + "HEAD /after HTTP/1.1\r\nHost: app.example\r\n\r\n");

            RawHttp.Response refused = raw.read();
            assertEquals(503, refused.status(), refused::text);
            assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(refused.text()).reason());
            RawHttp.Response head = raw.read(true);
            assertEquals(200, head.status(), "the HEAD's own answer, read where it begins");
            assertEquals(String.valueOf("answer to /after".length()), head.header("content-length"));
        }
    }
}
