package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TRACE sends the request back as the upstream received it, cookies and credentials included (cross-site
 * tracing): the listener refuses it, and TRACK, before routing unless {@code server.refused-methods} says
 * otherwise, as nginx refuses TRACE.
 */
class RefusedMethodsTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.echo());
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    @Test
    void traceAndTrackAreRefusedBeforeRoutingByDefault() {
        proxy = start("");

        for (String method : new String[] {"TRACE", "TRACK"}) {
            RawHttp.Response response = send(method);
            assertEquals(405, response.status(), method);
            assertEquals("METHOD_NOT_ALLOWED", Envelope.parse(response.body()).reason(), method);
            assertEquals("GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH", response.header("allow"),
                    "a 405 says what is allowed (RFC 9110 §15.5.6): what the listener lets through");
            assertTrue(!response.text().contains("SECRET"), "nothing of the request comes back: " + response.text());
        }
        assertEquals(0, upstream.requests().size(), "the upstream never saw them");
        assertEquals(200, send("GET").status(), "other methods are routed as ever");
    }

    @Test
    void anEmptyListRoutesTraceAndAListOfItsOwnRefusesWhatItNames() {
        proxy = start("refused-methods = []");
        assertEquals(200, send("TRACE").status());
        assertEquals("TRACE", upstream.requests().get(0).method());
        proxy.close();

        proxy = start("refused-methods = [debug, delete]");
        RawHttp.Response debug = send("DEBUG");
        assertEquals(405, debug.status(), "names are taken in upper case, as the wire has them");
        assertEquals("GET, HEAD, POST, PUT, OPTIONS, TRACE, PATCH", debug.header("allow"));
        assertEquals(200, send("TRACE").status(), "the list replaces the default");
    }

    private ProxyHarness start(String serverKeys) {
        return ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                .replace("server { host = \"127.0.0.1\", port = 0 }",
                        "server { host = \"127.0.0.1\", port = 0, " + serverKeys + " }"));
    }

    private RawHttp.Response send(String method) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send(method + " /x HTTP/1.1\r\nHost: test\r\nCookie: session=SECRET\r\n\r\n").read();
        }
    }
}
