package dev.rampart.core.health;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Traffic and health-check probes seen at fake endpoints whose health page is {@code /healthz}. */
final class CheckedTraffic {

    private CheckedTraffic() {
    }

    /** GETs {@code path} through the proxy, which must answer 200; the body, which names the endpoint. */
    static String get(ProxyHarness proxy, String path) throws Exception {
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    static List<RecordedRequest> healthChecks(FakeUpstream upstream) {
        return upstream.requests().stream().filter(r -> r.uri().equals("/healthz")).toList();
    }

    /** The requests {@code upstream} got that were not probes. */
    static int traffic(FakeUpstream upstream) {
        return upstream.requests().size() - healthChecks(upstream).size();
    }

    /** Sends requests until one is answered with {@code body}. */
    static void awaitTraffic(ProxyHarness proxy, String body, String what) {
        Await.until(() -> {
            try {
                return get(proxy, "/work").equals(body);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, what);
    }

    static void awaitHealthChecks(FakeUpstream upstream, int count) {
        Await.until(() -> healthChecks(upstream).size() >= count, count + " health checks at " + upstream.authority());
    }
}
