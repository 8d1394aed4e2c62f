package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FailingOnceTicker;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A request that fails inside the proxy while it is being admitted, on a keep-alive connection that served another
 * request before it, is answered and logged from what is known of it alone: not with the client a trusted proxy
 * named for the request before (the access log would blame another address), nor with the CORS headers of the
 * route that request matched (its answer would be readable by an origin its own route never allowed). A ticker
 * that throws once, on an event loop, is the failure: read by the second request as it starts, before it is
 * routed.
 */
class AdmissionFailureAfterServedRequestTest {

    private static final String ORIGIN = "https://a.test";

    @RegisterExtension
    final Closing closing = new Closing();

    private final FailingOnceTicker ticker = new FailingOnceTicker();

    private ProxyHarness proxy() {
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("fine")));
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = api, match { path-prefix = \"/api\" }, upstream = app,"
                        + " cors { allow-origins = [\"" + ORIGIN + "\"] } }\n"
                        + "{ name = other, match { path-prefix = \"/\" }, upstream = app }")
                .replace("port = 0 }\n  admin", "port = 0, trusted-proxies = [\"127.0.0.1\"] }\n  admin"), ticker));
    }

    @Test
    void theFailedRequestIsNotLoggedUnderTheClientOfTheRequestBefore() throws Exception {
        ProxyHarness proxy = proxy();
        try (LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /first HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
                    .read().status());
            assertEquals("203.0.113.9", proxy.observer.awaitExchange(1).client());
            ticker.failNextReadBy(ServedRequest.class);

            assertEquals(500, raw.send("GET /second HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n")
                    .read().status());

            ExchangeRecord failed = proxy.observer.awaitExchange(2);
            assertEquals("/second", failed.path());
            assertEquals("127.0.0.1", failed.client(), "the connection's peer, what is known without the request");
        }
    }

    @Test
    void theFailedRequestsAnswerCarriesNoCorsHeadersOfTheRouteTheRequestBeforeMatched() throws Exception {
        ProxyHarness proxy = proxy();
        try (LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
            RawHttp.Response first = raw.send("GET /api HTTP/1.1\r\nHost: test\r\nOrigin: " + ORIGIN + "\r\n\r\n").read();
            assertEquals(200, first.status());
            assertEquals(ORIGIN, first.header("access-control-allow-origin"), "the api route allows the origin");
            proxy.observer.awaitExchange(1); // the first request's own last read of the ticker is behind it
            ticker.failNextReadBy(ServedRequest.class);

            RawHttp.Response answer = raw.send("GET /other HTTP/1.1\r\nHost: test\r\nOrigin: " + ORIGIN + "\r\n\r\n")
                    .read();

            assertEquals(500, answer.status());
            assertNull(answer.header("access-control-allow-origin"),
                    "a request never routed to the api route gets none of its CORS headers");
        }
    }
}
