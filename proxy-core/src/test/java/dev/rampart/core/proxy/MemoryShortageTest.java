package dev.rampart.core.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FailingOnceTicker;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Running out of memory for buffers is overload, not a bug and not the upstream's failure: the client gets
 * a retryable 503 UPSTREAM_OVERLOADED, the upstream is not retried (nor its breaker told), and the operator
 * gets a WARN that says what to change, without a stack trace. The shortage is planted where the proxy
 * handles the upstream's response head: a ticker read there throws once armed.
 */
class MemoryShortageTest {

    @Test
    void aShortageOfBufferMemoryIsAnsweredAsOverloadAndWarnedWithoutAStackTrace() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        CompletableFuture<UpstreamReply> asked = new CompletableFuture<>();
        try (FakeUpstream upstream = FakeUpstream.start((request, reply) -> asked.complete(reply));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker);
             LogCapture logs = LogCapture.start()) {
            CompletableFuture<HttpResponse<String>> answer = proxy.client().sendAsync(
                    HttpRequest.newBuilder(proxy.uri("/report")).build(), HttpResponse.BodyHandlers.ofString());
            UpstreamReply reply = asked.get(5, TimeUnit.SECONDS);
            ticker.failNextReadOnAnEventLoopWith(new OutOfMemoryError("Cannot reserve 4194304 bytes of direct buffer memory"));
            reply.send(200, "text/plain", "the report");

            HttpResponse<String> response = answer.get(5, TimeUnit.SECONDS);
            assertEquals(503, response.statusCode(), response.body());
            assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(response.body()).reason());
            assertEquals("1", response.headers().firstValue("retry-after").orElse(null));
            assertEquals(1, upstream.requests().size(), "the proxy's shortage is no reason to ask the upstream again");
            assertEquals(List.of(), logs.errors(), "no bug to report");
            List<ILoggingEvent> warned = logs.warnings().stream()
                    .filter(e -> e.getFormattedMessage().startsWith("out of memory for request and response buffers"))
                    .toList();
            assertEquals(1, warned.size(), logs.dump());
            assertTrue(warned.get(0).getFormattedMessage().contains("direct buffer memory"), "names what ran out");
            assertNull(warned.get(0).getThrowableProxy(), "no stack trace");
            assertEquals("UPSTREAM_OVERLOADED", proxy.observer.awaitExchange(1).reason());
        }
    }
}
