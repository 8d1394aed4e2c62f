package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An HTTP/1.0 client never sees chunked framing; a body of unknown length ends with the connection. */
class Http10ClientTest {

    @Test
    void aChunkedUpstreamBodyReachesAnHttp10ClientCloseDelimited() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.sendChunked(200, "hel", "lo"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertNull(response.header("transfer-encoding"), "no chunked framing for HTTP/1.0");
            assertEquals("hello", response.text());
            assertTrue(raw.closedByPeer(), "the connection closes to end the body");
        }
    }

    @Test
    void aChunkedUpstreamBodyStaysChunkedForAnHttp11Client() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.sendChunked(200, "hel", "lo"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals("chunked", response.header("transfer-encoding"));
            assertEquals("hello", response.text());
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("hello", raw.read().text(), "the connection stays usable");
        }
    }

    @Test
    void anHttp10ClientThatAskedForKeepAliveIsToldTheConnectionStaysOpen() {
        String routes = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\" } }\n"
                + "{ name = app, match { path-prefix = \"/\" }, upstream = app }";
        try (FakeUpstream upstream = FakeUpstream.start(dev.rampart.core.testing.UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + upstream.authority() + "\"] }", routes));
             RawHttp raw = proxy.raw()) {
            for (String path : new String[] {"/relayed", "/ping", "/relayed"}) {
                raw.send("GET " + path + " HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
                RawHttp.Response response = raw.read();
                assertEquals(200, response.status(), path);
                assertEquals("keep-alive", response.header("connection"),
                        path + ": a 1.0 client assumes a close unless told otherwise");
            }
            raw.send("GET /relayed HTTP/1.0\r\nHost: x\r\n\r\n");
            RawHttp.Response last = raw.read();
            assertEquals("close", last.header("connection"), "without keep-alive a 1.0 connection closes");
            assertTrue(raw.closedByPeer());
        }
    }

    @Test
    void viaNamesTheVersionOfTheMessageRampartReceivedOnEachSide() {
        try (FakeUpstream upstream = FakeUpstream.start(dev.rampart.core.testing.UpstreamBehavior.raw(
                "HTTP/1.0 200 OK\r\nVia: 1.1 origin-cache\r\nContent-Length: 2\r\n\r\nok"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.0\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();

            assertEquals("1.1 origin-cache, 1.0 rampart", response.header("via"), "RFC 9110 §7.6.3: the response came as 1.0");
            assertEquals("1.0 rampart", upstream.requests().get(0).header("via"), "and so did the request");
        }
    }
}
