package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A slow-call breaker judges the endpoint, not the client: the time a client takes to upload its body is
 * not the endpoint's slowness. Uploads that streamed for longer than {@code slow-call-duration} to an
 * endpoint that answered at once opened its breaker.
 */
class SlowUploadBreakerTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @Test
    void aClientsSlowUploadToAnEndpointThatAnswersAtOnceIsNotASlowCall() throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "stored")));
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"],"
                        + " circuit-breaker { slow-call-duration = 300ms, slow-call-rate-threshold = 50,"
                        + " minimum-calls = 2, consecutive-failures = 100, open-duration = 30s } }",
                "{ name = default, upstream = app, timeout = 10s, retry { attempts = 1 } }")));

        for (int upload = 0; upload < 2; upload++) {
            try (RawHttp raw = proxy.raw()) {
                // Chunked: streamed to the endpoint as it comes, over ~600 ms.
                raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (int chunk = 0; chunk < 3; chunk++) {
                    Thread.sleep(200);
                    raw.send("5\r\nhello\r\n");
                }
                raw.send("0\r\n\r\n");
                assertEquals(200, raw.read().status());
            }
        }

        HttpResponse<String> after = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/after")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, after.statusCode(), "the endpoint answered each upload at once: its breaker is closed; "
                + after.body());
    }
}
