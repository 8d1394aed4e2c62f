package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's own {@code max-request-body}, nginx's {@code client_max_body_size} in a location: an upload route
 * takes more than the server's limit, a tight route less, and every other route keeps the server's.
 */
class RouteBodyLimitTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("stored"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + upstream.authority() + "\"] }",
            "{ name = uploads, match { path-prefix = \"/upload\" }, upstream = app, max-request-body = 64k }\n"
                    + "{ name = tiny, match { path-prefix = \"/tiny\" }, upstream = app, max-request-body = 10 }\n"
                    + "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\" },"
                    + " max-request-body = 64k }\n"
                    + "{ name = app, match { path-prefix = \"/\" }, upstream = app }")
            .replace("port = 0 }\n  admin", "port = 0, max-request-body = 1k }\n  admin"));

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private HttpResponse<String> post(String path, int bytes) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anUploadRouteTakesABodyOverTheServersLimit() throws Exception {
        HttpResponse<String> response = post("/upload/a", 10_000);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(10_000, upstream.requests().get(0).bodyLength());
    }

    @Test
    void everyOtherRouteKeepsTheServersLimit() throws Exception {
        HttpResponse<String> response = post("/other", 10_000);
        assertEquals(413, response.statusCode());
        assertEquals("REQUEST_BODY_TOO_LARGE", Envelope.parse(response.body()).reason());
        assertTrue(upstream.requests().isEmpty(), "a declared length over the limit is refused before any attempt");
    }

    @Test
    void aRouteLimitBelowTheServersIsKeptToo() throws Exception {
        assertEquals(413, post("/tiny", 11).statusCode());
        assertEquals(200, post("/tiny", 10).statusCode());
    }

    @Test
    void aDeclaredLengthOverTheRoutesLimitIsRefusedUpFront() throws Exception {
        HttpResponse<String> response = post("/upload/big", 70_000);
        assertEquals(413, response.statusCode());
        assertEquals("uploads", Envelope.parse(response.body()).metadata().get("route"));
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void aChunkedBodyIsHeldToTheRoutesLimitAsItGrows() {
        assertEquals(200, sendChunked(5), "40 KiB is within the route's 64k, though over the server's 1k");
        assertEquals(40 * 1024, upstream.requests().get(0).bodyLength());
        assertEquals(413, sendChunked(9), "72 KiB is past it");
    }

    /** A chunked upload of {@code chunks} 8 KiB chunks on a new connection; the status it gets. */
    private int sendChunked(int chunks) {
        try (RawHttp raw = proxy.raw()) {
            StringBuilder request = new StringBuilder("POST /upload/chunked HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(8 * 1024);
            for (int i = 0; i < chunks; i++) {
                request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            raw.send(request.append("0\r\n\r\n").toString());
            return raw.read().status();
        }
    }

    @Test
    void aDirectResponseRouteDropsABodyUpToItsOwnLimitAndKeepsTheConnection() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + "y".repeat(5000)
                    + "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status());
            RawHttp.Response second = raw.read();
            assertEquals(200, second.status(), "the body was read and dropped, so the next request is served");
            assertEquals("pong", second.text());
        }
    }
}
