package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An upstream's interim responses reach an HTTP/1.1 client ahead of the final one (RFC 9110 §15.2: 103
 * Early Hints lets a browser start fetching what the page will need); an HTTP/1.0 client never sees them,
 * and a 100 Continue stays the proxy's own business.
 */
class InterimResponsesTest {

    private static final String EARLY_HINTS_THEN_OK = "HTTP/1.1 103 Early Hints\r\n"
            + "Link: </style.css>; rel=preload; as=style\r\nConnection: x-hop\r\nX-Hop: 1\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private static ProxyHarness proxyFor(FakeUpstream upstream) {
        return ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
    }

    @Test
    void earlyHintsReachAnHttp11ClientBeforeTheFinalResponse() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(EARLY_HINTS_THEN_OK));
             ProxyHarness proxy = proxyFor(upstream);
             RawHttp raw = proxy.raw()) {
            raw.send("GET /page HTTP/1.1\r\nHost: x\r\n\r\n");

            RawHttp.Response hints = raw.read();
            RawHttp.Response page = raw.read();

            assertEquals(103, hints.status());
            assertEquals("</style.css>; rel=preload; as=style", hints.header("link"));
            assertNull(hints.header("x-hop"), "hop-by-hop headers of the interim response stay behind");
            assertNull(hints.header("connection"));
            assertEquals("1.1 rampart", hints.header("via"), "a proxy adds Via to each message it forwards");
            assertEquals(200, page.status());
            assertEquals("ok", page.text());
        }
    }

    @Test
    void anUpstreamThatSendsInterimResponsesWithoutEndGetsOnlyAFewPassedOn() {
        String hint = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n";
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(hint.repeat(500)
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
             ProxyHarness proxy = proxyFor(upstream);
             RawHttp raw = proxy.raw()) {
            raw.send("GET /page HTTP/1.1\r\nHost: x\r\n\r\n");

            int interim = 0;
            RawHttp.Response response;
            while ((response = raw.read()).status() == 103) {
                interim++;
            }

            assertEquals(ClientResponseWriter.MAX_INTERIM_RESPONSES, interim, "a bounded number is relayed");
            assertEquals(200, response.status());
            assertEquals("ok", response.text());
        }
    }

    @Test
    void anHttp10ClientGetsOnlyTheFinalResponse() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(EARLY_HINTS_THEN_OK));
             ProxyHarness proxy = proxyFor(upstream);
             RawHttp raw = proxy.raw()) {
            raw.send("GET /page HTTP/1.0\r\nHost: x\r\n\r\n");

            RawHttp.Response page = raw.read();

            assertEquals(200, page.status());
            assertEquals("ok", page.text());
        }
    }

    @Test
    void anUpstreams100ContinueIsNotPassedOn() {
        String continueThenOk = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(continueThenOk));
             ProxyHarness proxy = proxyFor(upstream);
             RawHttp raw = proxy.raw()) {
            raw.send("GET /page HTTP/1.1\r\nHost: x\r\n\r\n");

            RawHttp.Response first = raw.read();

            assertEquals(200, first.status(), "the client did not send Expect: a 100 would answer nothing it asked");
            assertEquals("ok", first.text());
        }
    }
}
