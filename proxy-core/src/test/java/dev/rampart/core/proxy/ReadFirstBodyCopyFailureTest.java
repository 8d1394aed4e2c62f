package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A body read in full before the first attempt (a short {@code Content-Length}) lives only in the replay buffer
 * until that attempt writes it: when a small chunk's copy cannot be had for want of direct memory, the request
 * cannot be sent whole, and is answered 503 UPSTREAM_OVERLOADED like any other request the memory shortage
 * strikes. Sent on, it went up with its declared length and none of its bytes, and the upstream waited for them
 * until the per-try timeout blamed it (504 UPSTREAM_TIMEOUT).
 */
class ReadFirstBodyCopyFailureTest {

    private static final int BODY_BYTES = 3000;

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void aBodyReadFirstWhoseCopyCannotBeHadIsAnsweredOverloadedNotSentWithoutItsBytes() throws Exception {
        upstream = FakeUpstream.start(UpstreamBehavior.echo());
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                "retry { per-try-timeout = 2s }"));
        try (RawHttp raw = proxy.raw()) {
            Await.until(() -> proxy.listener().connections().size() == 1, "the client's connection accepted");
            Channel client = proxy.listener().connections().iterator().next();
            RefusingDirectAllocator alloc = new RefusingDirectAllocator();
            // Reads still get a buffer (the small one the read fallback takes); a body chunk's copy does not.
            alloc.refuseAbove(2048);
            client.eventLoop().submit(() -> client.config().setAllocator(alloc)).get(10, TimeUnit.SECONDS);

            raw.send("POST /upload HTTP/1.1\r\nHost: app.example\r\nContent-Length: " + BODY_BYTES + "\r\n\r\n");
            raw.send("a".repeat(BODY_BYTES).getBytes(StandardCharsets.ISO_8859_1));
            RawHttp.Response response = raw.read();

            assertEquals(503, response.status(), () -> "answered " + response.status() + " " + response.text());
        }
        for (RecordedRequest seen : upstream.requests()) {
            assertEquals(BODY_BYTES, seen.bodyLength(), "an upstream request carries the whole body or none is sent");
        }
    }
}
