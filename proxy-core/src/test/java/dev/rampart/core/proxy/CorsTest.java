package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code cors} through real sockets: preflights answered by the proxy, the upstream's own CORS
 * headers replaced on relayed responses, and the proxy's own answers (an error envelope, a {@code respond})
 * readable by an allowed page.
 */
class CorsTest {

    private static final String APP = "https://app.example.com";

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        // The upstream answers with CORS headers of its own, as many frameworks do: the route's must win.
        upstream = FakeUpstream.start((req, reply) -> reply.send(200, "application/json", "{\"ok\":true}",
                "Access-Control-Allow-Origin", "*", "Access-Control-Expose-Headers", "X-Secret", "Vary", "Accept",
                "Access-Control-Allow-Private-Network", "true"));
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }, down { endpoints = [\"127.0.0.1:9\"] }", """
                { name = api, match { path-prefix = "/api" }, upstream = app, max-request-body = 1k,
                  cors { allow-origins = ["https://app.example.com", "https://*.example.org"],
                         allow-methods = [GET, POST, PUT], allow-headers = [Content-Type, Authorization],
                         expose-headers = [X-Request-Id], allow-credentials = true, max-age = 1h } },
                { name = public, match { path-prefix = "/public" }, upstream = app, cors { allow-origins = ["*"] },
                  response-headers { set { Strict-Transport-Security = "max-age=31536000" } } },
                { name = down, match { path-prefix = "/down" }, upstream = down, retry { attempts = 1 },
                  cors { allow-origins = ["https://app.example.com"] } },
                { name = status, match { path-prefix = "/status" }, respond { status = 200, body = "up" },
                  cors { allow-origins = ["https://app.example.com"] } },
                { name = limited, match { path-prefix = "/limited" }, upstream = app,
                  rate-limit { requests-per-second = 0.001, burst = 1 }, cors { allow-origins = ["*"] } },
                { name = plain, match { path-prefix = "/" }, upstream = app }
                """));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void anAllowedPreflightIsAnsweredByTheProxyWithWhatTheRouteAllows() {
        RawHttp.Response answer = send(preflight("/api/orders", APP, "PUT", "content-type, authorization"));
        assertEquals(204, answer.status());
        assertEquals(APP, answer.header("access-control-allow-origin"));
        assertEquals("true", answer.header("access-control-allow-credentials"));
        assertEquals("GET, POST, PUT", answer.header("access-control-allow-methods"));
        assertEquals("Content-Type, Authorization", answer.header("access-control-allow-headers"));
        assertEquals("3600", answer.header("access-control-max-age"));
        assertEquals("Origin, Access-Control-Request-Method, Access-Control-Request-Headers", answer.header("vary"));
        assertEquals(0, upstream.requests().size(), "a preflight never reaches the upstream");
    }

    @Test
    void aPreflightAnswerCarriesTheRoutesResponseHeaders() {
        RawHttp.Response answer = send(preflight("/public/x", APP, "GET", null));
        assertEquals(204, answer.status());
        assertEquals("*", answer.header("access-control-allow-origin"));
        assertEquals("max-age=31536000", answer.header("strict-transport-security"));
    }

    @Test
    void aPreflightForAnOriginMethodOrHeaderNotAllowedGetsNoAllowance() {
        for (String refused : new String[] {
                preflight("/api/orders", "https://evil.example.net", "PUT", null),
                preflight("/api/orders", APP, "DELETE", null),
                preflight("/api/orders", APP, "PUT", "Content-Type, X-Debug")}) {
            RawHttp.Response answer = send(refused);
            assertEquals(204, answer.status());
            assertNull(answer.header("access-control-allow-origin"), refused);
            assertNull(answer.header("access-control-allow-methods"), refused);
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aRelayedResponseCarriesTheRoutesCorsHeadersInPlaceOfTheUpstreams() {
        RawHttp.Response allowed = send(get("/api/orders", "Origin: https://shop.example.org\r\n"));
        assertEquals(200, allowed.status());
        assertEquals("https://shop.example.org", allowed.header("access-control-allow-origin"));
        assertEquals("true", allowed.header("access-control-allow-credentials"));
        assertEquals("X-Request-Id", allowed.header("access-control-expose-headers"));
        assertEquals("Accept, Origin", allowed.header("vary"));

        RawHttp.Response other = send(get("/api/orders", "Origin: https://evil.example.net\r\n"));
        assertEquals(200, other.status(), "CORS is the browser's to enforce: the request itself is answered");
        assertNull(other.header("access-control-allow-origin"), "the upstream's * must not let any origin read it");
        assertNull(other.header("access-control-expose-headers"));
        assertNull(other.header("access-control-allow-private-network"), "nor any other Access-Control-* of its own");
        assertNull(allowed.header("access-control-allow-private-network"));

        RawHttp.Response noOrigin = send(get("/api/orders", ""));
        assertNull(noOrigin.header("access-control-allow-origin"));
        assertEquals("Accept, Origin", noOrigin.header("vary"));
    }

    @Test
    void anyOriginWithoutCredentialsIsAStar() {
        RawHttp.Response answer = send(get("/public/x", "Origin: https://anyone.test\r\n"));
        assertEquals("*", answer.header("access-control-allow-origin"));
        assertNull(answer.header("access-control-allow-credentials"));
        assertEquals("Accept", answer.header("vary"), "the answer does not depend on the origin");

        RawHttp.Response noOrigin = send(get("/public/x", ""));
        assertEquals("*", noOrigin.header("access-control-allow-origin"),
                "nor on whether there is one: a cached answer to a plain request serves a page's fetch too");
        assertEquals("Accept", noOrigin.header("vary"));
    }

    @Test
    void theProxysOwnAnswersOnTheRouteAreReadableByAnAllowedPage() {
        RawHttp.Response envelope = send(get("/down/x", "Origin: " + APP + "\r\n"));
        assertEquals(502, envelope.status());
        assertEquals(APP, envelope.header("access-control-allow-origin"));
        assertEquals("Origin", envelope.header("vary"));
        assertTrue(envelope.text().contains("UPSTREAM_CONNECT_REFUSED"), envelope.text());

        RawHttp.Response early = send("POST /api/orders HTTP/1.1\r\nHost: x\r\nOrigin: " + APP
                + "\r\nContent-Length: 5000\r\n\r\n");
        assertEquals(413, early.status(), "refused before any exchange");
        assertEquals(APP, early.header("access-control-allow-origin"));

        RawHttp.Response direct = send(get("/status", "Origin: " + APP + "\r\n"));
        assertEquals("up", direct.text());
        assertEquals(APP, direct.header("access-control-allow-origin"));
    }

    @Test
    void aRouteWithoutCorsPassesTheUpstreamsOwnHeadersAndOptionsGoesUpstream() {
        RawHttp.Response answer = send(get("/elsewhere", "Origin: " + APP + "\r\n"));
        assertEquals("*", answer.header("access-control-allow-origin"));
        assertEquals("X-Secret", answer.header("access-control-expose-headers"));
        send(preflight("/elsewhere", APP, "PUT", null));
        assertEquals(2, upstream.requests().size(), "without cors a preflight is the upstream's to answer");
    }

    @Test
    void aPreflightTakesNoRateLimitTokenSoThePagesOwnCallStillGetsIt() {
        for (int i = 0; i < 5; i++) {
            assertEquals(204, send(preflight("/limited/x", APP, "POST", null)).status(), "preflight " + i);
        }
        assertEquals(200, send(get("/limited/x", "Origin: " + APP + "\r\n")).status(), "the one token is still there");
        assertEquals(429, send(get("/limited/x", "Origin: " + APP + "\r\n")).status());
        RawHttp.Response plainOptions = send("OPTIONS /limited/x HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(429, plainOptions.status(), "an OPTIONS that is no preflight is an ordinary request");
    }

    private RawHttp.Response send(String request) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send(request).read();
        }
    }

    private static String get(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n";
    }

    private static String preflight(String path, String origin, String method, String headers) {
        return "OPTIONS " + path + " HTTP/1.1\r\nHost: x\r\nOrigin: " + origin + "\r\nAccess-Control-Request-Method: "
                + method + "\r\n" + (headers == null ? "" : "Access-Control-Request-Headers: " + headers + "\r\n")
                + "\r\n";
    }
}
