package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamReply;
import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An upstream's response head that finds no direct memory to be encoded into (Netty's encoder meets the
 * out-of-memory error and wraps it) never left the proxy: the client is answered 503 UPSTREAM_OVERLOADED when the
 * envelope's bytes find room, and the exchange is recorded with that status and reason, warned of as overload
 * without a stack trace. It was taken for a response cut after its head: the connection closed with no answer and
 * the access log recorded the upstream's 200, which no client ever saw.
 */
class ResponseHeadWithoutDirectMemoryTest {

    @Test
    void aHeadWithNoRoomIsAnsweredOverloadedWhenTheEnvelopeFindsRoom() throws Exception {
        Exchanged exchanged = exchange(RefusingDirectAllocator::refuseNext);

        assertEquals(503, exchanged.response.status(), exchanged.response::text);
        assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(exchanged.response.text()).reason());
        assertEquals("1", exchanged.response.header("retry-after"));
        assertEquals(503, exchanged.record.status(), "the status that went out");
        assertEquals("UPSTREAM_OVERLOADED", exchanged.record.reason());
    }

    @Test
    void aHeadWithNoRoomIsNeverRecordedWithTheUpstreamsStatus() throws Exception {
        Exchanged exchanged = exchange(RefusingDirectAllocator::refuse);

        assertNull(exchanged.response, "no room for the envelope either: the connection closes");
        assertEquals(503, exchanged.record.status(), "the overload's status, not the upstream's 200 that never went out");
        assertEquals("UPSTREAM_OVERLOADED", exchanged.record.reason());
    }

    private record Exchanged(RawHttp.Response response, ExchangeRecord record) {
    }

    /** A GET whose upstream answers 200 once {@code shortage} was applied to the client connection's allocator. */
    private static Exchanged exchange(Consumer<RefusingDirectAllocator> shortage) throws Exception {
        CompletableFuture<UpstreamReply> asked = new CompletableFuture<>();
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        try (FakeUpstream upstream = FakeUpstream.start((request, reply) -> asked.complete(reply));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             LogCapture logs = LogCapture.start();
             RawHttp raw = proxy.raw()) {
            raw.socket().setSoTimeout(20_000);
            Await.until(() -> proxy.listener().connections().size() == 1, "the client's connection accepted");
            Channel client = proxy.listener().connections().iterator().next();
            client.eventLoop().submit(() -> client.config().setAllocator(alloc)).get(10, TimeUnit.SECONDS);
            raw.send("GET /report HTTP/1.1\r\nHost: app.example\r\n\r\n");
            UpstreamReply reply = asked.get(10, TimeUnit.SECONDS);
            shortage.accept(alloc);
            reply.send(200, "text/plain", "the report");

            RawHttp.Response response = readOrClosed(raw);
            ExchangeRecord record = proxy.observer.awaitExchange(1);
            assertTrue(response == null || !new String(response.body(), StandardCharsets.UTF_8).contains("the report"),
                    "nothing of the upstream's response reached the client");
            assertEquals(List.of(), logs.errors(), "a shortage, not a bug: " + logs.dump());
            assertTrue(logs.warnings().stream().anyMatch(e -> e.getFormattedMessage()
                    .startsWith("out of memory for request and response buffers") && e.getThrowableProxy() == null),
                    logs.dump());
            assertEquals(1, upstream.requests().size(), "the proxy's shortage is no reason to ask the upstream again");
            Await.until(() -> alloc.unreleased().isEmpty(), "every buffer the client connection got released");
            return new Exchanged(response, record);
        }
    }

    /** The response, or null when the proxy closed the connection without one. */
    private static RawHttp.Response readOrClosed(RawHttp raw) {
        try {
            return raw.read();
        } catch (IllegalStateException closed) {
            return null; // reset
        }
    }
}
