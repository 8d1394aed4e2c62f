package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
/**
 * What the fault-injection tests share: a fake upstream with a proxy in front of it (closed after each test),
 * raw and {@code HttpClient} requests, and waits for what the upstream and the observer saw.
 */
abstract class FaultInjectionSupport {

    FakeUpstream upstream;
    ProxyHarness proxy;

    @RegisterExtension
    final Closing closing = new Closing();

    /** GET /warm leaves a pooled upstream connection behind ("fresh"); GET /again goes over it: its answer. */
    RawHttp.Response againOverAWarmConnection() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("fresh", raw.read().text());
            raw.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
            return raw.read();
        }
    }

    /**
     * Ten clients each send GET /fill/N at once, so that the proxy opens ten upstream connections, pooled once
     * answered; the clients go in {@code clients}, for the caller to close. Their answers.
     */
    List<RawHttp.Response> fillTenConnections(List<RawHttp> clients) {
        for (int i = 0; i < 10; i++) {
            RawHttp client = proxy.raw();
            clients.add(client);
            client.send("GET /fill/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        List<RawHttp.Response> answers = new ArrayList<>();
        for (RawHttp client : clients) {
            answers.add(client.read());
        }
        return answers;
    }

    void start(UpstreamBehavior behavior, String retry) {
        upstream = closing.add(FakeUpstream.start(behavior));
        startProxy("\"" + upstream.authority() + "\"", retry);
    }

    /** As {@link #start(UpstreamBehavior, String)}, with {@code ticker} as the proxy's clock, for a test to move. */
    void start(UpstreamBehavior behavior, String retry, Ticker ticker) {
        upstream = closing.add(FakeUpstream.start(behavior));
        proxy = closing.add(ProxyHarness.start(proxyConfig("\"" + upstream.authority() + "\"", retry), ticker));
    }

    void startProxy(String endpoints, String retry) {
        proxy = closing.add(ProxyHarness.start(proxyConfig(endpoints, retry)));
    }

    private static String proxyConfig(String endpoints, String retry) {
        return ProxyHarness.config("app { endpoints = [" + endpoints + "] }",
                "{ name = direct, match { path-prefix = \"/direct\" }, respond { status = 200, body = \"direct\" } },\n"
                        + "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s\n"
                        + "  retry { " + retry + " } }");
    }

    HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(proxy.uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    HttpResponse<String> send(HttpRequest request) throws Exception {
        return proxy.client().send(request, HttpResponse.BodyHandlers.ofString());
    }

    long count(Predicate<RecordedRequest> which) {
        return upstream.requests().stream().filter(which).count();
    }

    /** The proxy still answers a new client promptly. */
    void assertServing() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("direct", raw.read().text());
        }
    }

    void awaitUpstream(int n) {
        Await.until(() -> upstream.requests().size() >= n, "the upstream to receive " + n + " request(s)");
    }

    void awaitExchangeWithStatus(int status, int n) {
        Await.until(() -> proxy.observer.exchanges.stream().filter(e -> e.status() == status).count() >= n,
                n + " exchange(s) with status " + status + " in " + proxy.observer.exchanges.stream()
                        .map(ExchangeRecord::status).toList());
    }
}
