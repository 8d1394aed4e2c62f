package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code least-request} after a reload: requests still in flight keep loading their endpoint, so the next
 * requests go to the idle one, as they did before the reload.
 */
class LeastRequestAcrossReloadTest {

    @Test
    void requestsInFlightStillCountAfterAReload() throws Exception {
        ConcurrentLinkedQueue<UpstreamReply> held = new ConcurrentLinkedQueue<>();
        try (FakeUpstream busy = FakeUpstream.start((req, reply) -> held.add(reply));
             FakeUpstream idle = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "idle"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + busy.authority() + "\", \"" + idle.authority() + "\"],"
                             + " load-balancing = least-request, circuit-breaker { enabled = false } }",
                     "{ name = default, upstream = app, timeout = 5s, retry { attempts = 1, per-try-timeout = 5s } }"))) {
            // Until three requests are held by the busy endpoint (the others are answered by the idle one). The
            // busy one gets another only when the idle one has as many in flight, so they are sent in bursts; then
            // the idle one's are let finish, so that it has nothing in flight.
            List<CompletableFuture<?>> sent = new ArrayList<>();
            while (held.size() < 3) {
                for (int i = 0; i < 8; i++) {
                    sent.add(proxy.client().sendAsync(HttpRequest.newBuilder(proxy.uri("/load")).build(),
                            HttpResponse.BodyHandlers.discarding()));
                }
                Thread.sleep(20);
            }
            Await.until(() -> sent.stream().filter(CompletableFuture::isDone).count() == sent.size() - held.size(),
                    "every request but the held ones answered");

            proxy.runtime().apply(proxy.runtime().config()); // a reload that changes nothing
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> response = proxy.client().send(
                        HttpRequest.newBuilder(proxy.uri("/after/" + i)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals("idle", response.body(), "request " + i + " went to the endpoint with nothing in flight");
            }
            assertEquals(0, busy.requests().stream().filter(r -> r.uri().startsWith("/after/")).count(),
                    "the busy endpoint got none of them");

            held.forEach(reply -> reply.send(200, "text/plain", "busy"));
        }
    }
}
