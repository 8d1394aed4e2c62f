package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code request-headers} and {@code response-headers} through real sockets: what the upstream
 * and the client see, on the route that has them and on one that has none.
 */
class RouteHeadersTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = api, match { path-prefix = "/api" }, upstream = app
                  request-headers {
                    remove = ["X-Debug"]
                    set { "X-Api-Version" = "2", "X-Forwarded-Proto" = "https" }
                    add { "X-Tag" = "edge" }
                  }
                  response-headers {
                    remove = [Server, Via]
                    set { "Cache-Control" = "no-store" }
                    add { "Strict-Transport-Security" = "max-age=63072000" }
                  }
                },
                { name = moved, match { path-prefix = "/old" }, respond { status = 301 }
                  response-headers { set { Location = "https://example.com/new" } } },
                { name = plain, match { path-prefix = "/" }, upstream = app }
                """));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void theUpstreamSeesHeadersRemovedSetAndAddedInEverySpellingAClientTried() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /api/a HTTP/1.1\r\nHost: x\r\n"
                    + "X-Debug: 1\r\nx_debug: 1\r\n"
                    + "X-Api-Version: 1\r\nX_Api_Version: 9\r\n"
                    + "X-Tag: client\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertNull(seen.header("x-debug"));
        assertNull(seen.header("x_debug"), "CGI servers read x_debug as X-Debug: it goes with it");
        assertEquals(List.of("2"), seen.headers().getAll("x-api-version"));
        assertNull(seen.header("x_api_version"), "the client's other spelling must not ride along with the set value");
        assertEquals(List.of("client", "edge"), seen.headers().getAll("x-tag"));
        assertEquals(List.of("https"), seen.headers().getAll("x-forwarded-proto"),
                "a route behind a load balancer that terminates TLS says so in place of the proxy's own http");
    }

    @Test
    void aRemovedOrSetHeaderCannotComeBackAsATrailer() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /api/up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\nX-Debug: 1\r\nX_Api_Version: 7\r\nX-Checksum: abc\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals(5, seen.bodyLength());
        assertNull(seen.trailers().get("x-debug"));
        assertNull(seen.trailers().get("x_api_version"));
        assertEquals("abc", seen.trailers().get("x-checksum"), "other trailers travel on");
    }

    @Test
    void anUpstreamCannotPutARemovedOrSetHeaderBackAsATrailer() throws Exception {
        String chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\nX-Removed: 1\r\nX-Set: upstream\r\nX-Checksum: 5d41402a\r\n\r\n";
        String all = relayedBytes(chunked, "response-headers { remove = [X-Removed], set { X-Set = route } }");
        assertTrue(all.contains("\r\nX-Set: route\r\n"), all);
        String trailerSection = all.substring(all.indexOf("\r\n0\r\n") + 5);
        assertEquals("X-Checksum: 5d41402a\r\n\r\n", trailerSection, all);
    }

    @Test
    void aRemovedHeaderIsRemovedFromInterimResponsesTooWhileSetAndAddWaitForTheFinalOne() throws Exception {
        String early = "HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload\r\nServer: app/1.0\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer: app/1.0\r\n\r\nok";
        String all = relayedBytes(early, "response-headers { remove = [Server], add { X-Added = yes } }");
        String interim = all.substring(0, all.indexOf("\r\n\r\n"));
        assertTrue(interim.startsWith("HTTP/1.1 103") && interim.contains("Link: </app.css>"), all);
        assertFalse(all.contains("Server:"), all);
        assertFalse(interim.contains("X-Added"), all);
        assertTrue(all.substring(interim.length()).contains("X-Added: yes"), all);
    }

    /** Every byte a client gets for a GET through a route with {@code routeExtras} to an upstream sending these bytes. */
    private static String relayedBytes(String upstreamBytes, String routeExtras) throws IOException {
        try (FakeUpstream fake = FakeUpstream.start(UpstreamBehavior.raw(upstreamBytes));
             ProxyHarness harness = ProxyHarness.start(
                     ProxyHarness.simple("\"" + fake.authority() + "\"", routeExtras));
             RawHttp raw = harness.raw()) {
            raw.send("GET /relayed HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            return new String(raw.socket().getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aRetryCarriesTheSameChangedHeaders() {
        upstream.behave((req, reply) -> {
            if (req.attempt() == 1) {
                reply.send(503, "text/plain", "busy");
            } else {
                reply.send(200, "text/plain", "fine");
            }
        });
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /api/retried HTTP/1.1\r\nHost: x\r\nX-Debug: 1\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest retry = upstream.requests().get(1);
        assertEquals(2, retry.attempt());
        assertNull(retry.header("x-debug"));
        assertEquals("2", retry.header("x-api-version"));
        assertEquals(List.of("edge"), retry.headers().getAll("x-tag"));
    }

    @Test
    void theClientSeesTheRelayedResponseChanged() throws Exception {
        upstream.behave((req, reply) -> reply.send(200, "text/plain", "fine",
                "Server", "app/1.0", "Cache-Control", "max-age=600"));
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/b")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("fine", response.body());
        assertTrue(response.headers().firstValue("server").isEmpty());
        assertTrue(response.headers().firstValue("via").isEmpty(), "the proxy's own Via can be hidden too");
        assertEquals(List.of("no-store"), response.headers().allValues("cache-control"));
        assertEquals(List.of("max-age=63072000"), response.headers().allValues("strict-transport-security"));
    }

    @Test
    void aDirectResponseCarriesItsRoutesHeaders() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /old/page HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(301, response.status());
            assertEquals("https://example.com/new", response.header("location"));
            assertEquals("0", response.header("content-length"));
        }
    }

    @Test
    void theProxysOwnErrorEnvelopeIsNotChanged() throws Exception {
        upstream.behave((req, reply) -> reply.send(500, "text/plain", "boom", "Server", "app/1.0"));
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api/c")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, response.statusCode());
        assertTrue(response.body().contains("\"UPSTREAM_ERROR\""), response.body());
        assertTrue(response.headers().firstValue("strict-transport-security").isEmpty(),
                "the envelope's headers are the proxy's: " + response.headers().map());
    }

    @Test
    void aRouteWithoutRulesPassesHeadersAsTheyCame() {
        upstream.behave((req, reply) -> reply.send(200, "text/plain", "fine", "Server", "app/1.0"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /other HTTP/1.1\r\nHost: x\r\nX-Debug: 1\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals("app/1.0", response.header("server"));
            assertFalse(response.headers().containsKey("strict-transport-security"));
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("1", seen.header("x-debug"));
        assertNull(seen.header("x-tag"));
    }
}
