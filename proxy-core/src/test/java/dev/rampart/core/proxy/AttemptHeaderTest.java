package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code X-Rampart-Attempt} numbers each attempt of one exchange, whatever the client sent: the first
 * attempt writes the head built from the client's request, a retry writes a copy renumbered.
 */
class AttemptHeaderTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void aRetryCarriesTheNextAttemptNumberAndTheClientsValueIsNeverForwarded() throws Exception {
        upstream = FakeUpstream.start(UpstreamBehavior.failTimes(1, 503, UpstreamBehavior.ok("fine")));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"",
                "retry { backoff { initial = 1ms, max = 1ms } }"));

        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/orders")).header("X-Rampart-Attempt", "7")
                        .header("X-Custom", "kept").GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertEquals("fine", response.body());
        List<RecordedRequest> seen = upstream.requests();
        assertEquals(2, seen.size(), "one 503, then the retry");
        for (int i = 0; i < 2; i++) {
            RecordedRequest request = seen.get(i);
            assertEquals(List.of(Integer.toString(i + 1)), request.headers().getAll("x-rampart-attempt"),
                    "attempt " + (i + 1) + " carries exactly its own number");
            assertEquals("kept", request.header("x-custom"), "the retry is a full copy of the first head");
            assertEquals(seen.get(0).header("x-request-id"), request.header("x-request-id"));
        }
    }
}
