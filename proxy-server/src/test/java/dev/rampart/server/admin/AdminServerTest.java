package dev.rampart.server.admin;

import dev.rampart.core.config.AdminConfig;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.server.TestJson;
import dev.rampart.server.observe.MicrometerObserver;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin endpoints over real sockets, with a real HTTP client. */
class AdminServerTest {

    private static final String ROUTES = "{\"routes\":[{\"name\":\"default\",\"upstream\":\"app\"}]}";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final MicrometerObserver observer = new MicrometerObserver();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private final AtomicReference<List<BreakerView>> breakers = new AtomicReference<>(List.of());
    private AdminServer server;

    @BeforeEach
    void start() throws IOException {
        server = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(observer::scrape, ready::get, () -> ROUTES, breakers::get));
    }

    @AfterEach
    void stop() {
        server.close();
        observer.close();
    }

    @Test
    void listensOnAnEphemeralPortWhenAskedForZero() {
        assertTrue(server.port() > 0);
        assertEquals("127.0.0.1", server.localAddress().getAddress().getHostAddress());
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        observer.onExchangeComplete(new ExchangeRecord(0, "id", "c", "GET", "/", 200, null, "default", "app", "e",
                1, 0, 0, 1_000_000, -1));
        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", contentType(response));
        assertTrue(response.body().lines().anyMatch(
                "rampart_requests_total{method=\"GET\",reason=\"none\",route=\"default\",status=\"200\"} 1.0"::equals),
                response.body());
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(""));
    }

    @Test
    void healthzIsOkWhileTheProcessRuns() throws Exception {
        HttpResponse<String> response = get("/healthz");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", contentType(response));
        assertEquals(Map.of("status", "ok"), TestJson.object(response.body()));
    }

    @Test
    void readyzTurns503WhileDraining() throws Exception {
        HttpResponse<String> serving = get("/readyz");
        assertEquals(200, serving.statusCode());
        assertEquals(Map.of("status", "ready"), TestJson.object(serving.body()));

        ready.set(false);
        HttpResponse<String> draining = get("/readyz");
        assertEquals(503, draining.statusCode());
        assertEquals("application/json", contentType(draining));
        assertEquals(Map.of("status", "draining"), TestJson.object(draining.body()));
        assertEquals(200, get("/healthz").statusCode(), "liveness does not follow readiness");
    }

    @Test
    void routesAreTheRenderedJson() throws Exception {
        HttpResponse<String> response = get("/admin/routes");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", contentType(response));
        assertEquals(ROUTES, response.body());
    }

    @Test
    void breakersAreAJsonArray() throws Exception {
        assertEquals(List.of(), TestJson.parse(get("/admin/breakers").body()));

        breakers.set(List.of(
                new BreakerView("app", "127.0.0.1:8081", "open", 62.5, 24, 4, "unhealthy", false),
                new BreakerView("app", "127.0.0.1:8082", "closed", Double.NaN, 0, 0, "unchecked", true)));
        HttpResponse<String> response = get("/admin/breakers");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", contentType(response));
        List<?> views = (List<?>) TestJson.parse(response.body());
        assertEquals(2, views.size());
        Map<?, ?> open = (Map<?, ?>) views.get(0);
        assertEquals(List.of("upstream", "endpoint", "state", "failure_rate", "calls_in_window", "seconds_to_half_open",
                        "health", "backup"),
                List.copyOf(open.keySet()));
        assertEquals("app", open.get("upstream"));
        assertEquals("127.0.0.1:8081", open.get("endpoint"));
        assertEquals("open", open.get("state"));
        assertEquals(62.5, open.get("failure_rate"));
        assertEquals(24L, open.get("calls_in_window"));
        assertEquals(4L, open.get("seconds_to_half_open"));
        assertEquals("unhealthy", open.get("health"));
        assertEquals(false, open.get("backup"));
        Map<?, ?> closed = (Map<?, ?>) views.get(1);
        assertEquals(true, closed.get("backup"));
        assertTrue(closed.containsKey("failure_rate") && closed.get("failure_rate") == null, "NaN is null");
    }

    @Test
    void aQueryStringDoesNotChangeThePath() throws Exception {
        assertEquals(200, get("/readyz?verbose=1").statusCode());
    }

    @Test
    void unknownPathIs404Json() throws Exception {
        HttpResponse<String> response = get("/admin/nothing");
        assertEquals(404, response.statusCode());
        assertEquals("application/json", contentType(response));
        assertEquals(Map.of("error", "not_found"), TestJson.object(response.body()));
        assertEquals(404, send("DELETE", "/nothing").statusCode());
    }

    @Test
    void otherMethodsAre405WithAllow() throws Exception {
        for (String path : List.of("/metrics", "/healthz", "/readyz", "/admin/routes", "/admin/breakers")) {
            HttpResponse<String> response = send("POST", path);
            assertEquals(405, response.statusCode(), path);
            assertEquals("GET, HEAD", response.headers().firstValue("allow").orElse(""), path);
            assertEquals(Map.of("error", "method_not_allowed"), TestJson.object(response.body()));
        }
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        HttpResponse<String> response = send("HEAD", "/healthz");
        assertEquals(200, response.statusCode());
        assertEquals("15", response.headers().firstValue("content-length").orElse(""));
        assertEquals("", response.body());
    }

    @Test
    void aFailingSourceIs500AndTheServerCarriesOn() throws Exception {
        AdminServer failing = AdminServer.start(new AdminConfig("127.0.0.1", 0), new AdminSources(
                () -> { throw new IllegalStateException("registry closed"); }, () -> true, () -> "{}", List::of));
        try {
            HttpResponse<String> response = client.send(request(failing, "GET", "/metrics"), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, response.statusCode());
            assertEquals(Map.of("error", "internal_error"), TestJson.object(response.body()));
            assertEquals(200, client.send(request(failing, "GET", "/healthz"), HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            failing.close();
        }
    }

    @Test
    void anOversizedRequestBodyIsRefused() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(server, "/metrics"))
                .method("POST", HttpRequest.BodyPublishers.ofString("x".repeat(AdminServer.MAX_REQUEST_BYTES + 1)))
                .timeout(Duration.ofSeconds(5))
                .build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertEquals(413, response.statusCode());
        assertEquals("{\"error\":\"payload_too_large\"}", response.body(), "JSON like every other admin answer");
        assertEquals("no-store", response.headers().firstValue("cache-control").orElse(""));
    }

    @Test
    void anOversizedHeadIs431Json() {
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(431, response.status());
            assertEquals("{\"error\":\"request_header_fields_too_large\"}", response.text());
        }
    }

    @Test
    void anAbsoluteFormTargetIsServedLikeItsPath() {
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            raw.send("GET http://127.0.0.1/healthz?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status(), response.text());
            assertEquals("{\"status\":\"ok\"}", response.text());
        }
    }

    @Test
    void aTakenAddressFailsWithItsName() {
        IOException e = assertThrows(IOException.class, () -> AdminServer.start(
                new AdminConfig("127.0.0.1", server.port()), new AdminSources(() -> "", () -> true, () -> "{}", List::of)));
        assertTrue(e.getMessage().contains("127.0.0.1:" + server.port()), e.getMessage());
    }

    @Test
    void aRequestTrickledByteByByteIsCutAtTheRequestDeadlineThoughNeverIdle() throws Exception {
        try (AdminServer limited = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(observer::scrape, ready::get, () -> ROUTES, breakers::get),
                new AdminRequestLimits.Settings(8, 8, Duration.ofMillis(600)));
             RawHttp raw = new RawHttp("127.0.0.1", limited.port())) {
            long started = System.nanoTime();
            Thread trickle = new Thread(() -> {
                byte[] head = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                try {
                    for (int i = 0; i < 200; i++) {
                        raw.socket().getOutputStream().write(head[i % head.length]);
                        Thread.sleep(50); // a byte every 50 ms: never idle, never done
                    }
                } catch (IOException | InterruptedException closed) {
                    // the admin server closed the connection
                }
            });
            trickle.start();
            assertTrue(raw.closedByPeer(), "the trickling connection was closed");
            long tookMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            trickle.interrupt();
            trickle.join();
            assertTrue(tookMillis >= 500 && tookMillis < 5_000, "closed at the 600 ms deadline: " + tookMillis + " ms");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheRequestDeadline() throws Exception {
        try (AdminServer limited = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(observer::scrape, ready::get, () -> ROUTES, breakers::get),
                new AdminRequestLimits.Settings(8, 8, Duration.ofMillis(600)));
             RawHttp silent = new RawHttp("127.0.0.1", limited.port());
             RawHttp scraper = new RawHttp("127.0.0.1", limited.port())) {
            long started = System.nanoTime();
            scraper.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, scraper.read().status());
            assertTrue(silent.closedByPeer(), "a connection that never sends a request does not keep its slot");
            long tookMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertTrue(tookMillis >= 500 && tookMillis < 5_000, "closed at the 600 ms deadline: " + tookMillis + " ms");
            scraper.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, scraper.read().status(), "a kept-alive scraper waits between requests, unhurried");
        }
    }

    @Test
    void oneClientAddressCannotTakeEverySlot() throws Exception {
        try (AdminServer limited = AdminServer.start(new AdminConfig("0.0.0.0", 0),
                new AdminSources(observer::scrape, ready::get, () -> ROUTES, breakers::get),
                new AdminRequestLimits.Settings(10, 2, Duration.ofSeconds(10)));
             RawHttp first = new RawHttp("127.0.0.1", limited.port());
             RawHttp second = new RawHttp("127.0.0.1", limited.port());
             RawHttp third = new RawHttp("127.0.0.1", limited.port());
             java.net.Socket other = new java.net.Socket("127.0.0.1", limited.port(),
                     java.net.InetAddress.getByName("127.0.0.2"), 0)) {
            assertEquals(200, first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            assertEquals(200, second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
            assertTrue(third.closedByPeer(), "a third connection from 127.0.0.1 is closed at once");
            other.setSoTimeout(10_000);
            other.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = RawHttp.readHead(other.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), "another address is still served: " + head);
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAndTheAdmittedOnesServed() throws Exception {
        try (AdminServer limited = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(observer::scrape, ready::get, () -> ROUTES, breakers::get),
                new AdminRequestLimits.Settings(2, 2, Duration.ofSeconds(10)));
             RawHttp first = new RawHttp("127.0.0.1", limited.port());
             RawHttp second = new RawHttp("127.0.0.1", limited.port())) {
            first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, first.read().status());
            second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, second.read().status());
            AdminConnectionHandlingTest.startRequest(first); // under way: an idle one would make room
            AdminConnectionHandlingTest.startRequest(second);
            try (RawHttp third = new RawHttp("127.0.0.1", limited.port())) {
                assertTrue(third.closedByPeer(), "a third connection is closed at once");
            }
            first.close();
            // Once one closes, a new connection is served again.
            dev.rampart.core.testing.Await.until(() -> {
                try (RawHttp again = new RawHttp("127.0.0.1", limited.port())) {
                    again.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
                    RawHttp.Response response = again.read();
                    return response != null && response.status() == 200;
                } catch (RuntimeException closed) {
                    return false;
                }
            }, "a connection to be admitted after one closed");
        }
    }

    @Test
    void closeStopsListening() {
        int port = server.port();
        server.close();
        server.close(); // idempotent
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                .timeout(Duration.ofSeconds(5)).build();
        assertThrows(ConnectException.class, () -> client.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return client.send(request(server, method, path), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(AdminServer server, String method, String path) {
        return HttpRequest.newBuilder(uri(server, path))
                .method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5))
                .build();
    }

    private static URI uri(AdminServer server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("content-type").orElse("");
    }
}
