package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Expect: 100-continue} is answered by the proxy, once, and never reaches the upstream. */
class ExpectContinueTest {

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.echo());
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                + "rampart.server.max-request-body = 1k\n");
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void oneContinueThenTheFinalResponseAndTheUpstreamNeverSeesExpect() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            RawHttp.Response interim = raw.read();
            assertEquals(100, interim.status(), "the proxy invites the body");
            raw.send("hello");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals("hello", response.text());
            assertNextResponseIsNotAStray100(raw);
        }
        assertNull(upstream.requests().get(0).header("expect"), "Expect is answered by the proxy, not forwarded");
    }

    @Test
    void anUpstreamsOwn100IsNotForwardedAsASecondOne() {
        upstream.behave((req, reply) -> reply.raw("HTTP/1.1 100 Continue\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\naccepted"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertEquals(100, raw.read().status());
            raw.send("hello");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status(), "the upstream's 100 was swallowed");
            assertEquals("accepte", response.text());
        }
    }

    @Test
    void anOverLimitContentLengthGets413WithoutAContinue() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /upload HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(413, response.status(), "the first response is the refusal, not 100");
            assertEquals("REQUEST_BODY_TOO_LARGE", Envelope.parse(response.body()).reason());
            assertTrue(raw.closedByPeer());
        }
        assertEquals(0, upstream.requests().size());
    }

    private static void assertNextResponseIsNotAStray100(RawHttp raw) {
        raw.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, raw.read().status(), "no second 100 Continue is pending on the connection");
    }
}
