package dev.rampart.core.proxy;

import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.SocketUpstream;

/**
 * What the proxy answers, and logs, when its one endpoint's server answers with {@code answer}: a server of the
 * other scheme than the endpoint was written with (a plain HTTP server behind {@code https://}, a TLS server behind
 * a plain address), whose answer the log must describe in a few words, not quote.
 */
final class EndpointAnswerLog {

    /** The client's answer to one GET, and the log line that says why it failed. */
    record Failure(RawHttp.Response response, String line) {
    }

    private EndpointAnswerLog() {
    }

    /** One GET (no retry) to an endpoint {@code address} followed by the server's port, as {@code https://localhost:}. */
    static Failure ofRequest(String address, SocketUpstream.Connection answer) throws Exception {
        try (SocketUpstream server = SocketUpstream.start("endpoint", answer);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + address + server.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + " }",
                     "{ name = default, upstream = app, retry { attempts = 1 } }"));
             LogCapture logs = LogCapture.start();
             RawHttp raw = proxy.raw()) {
            raw.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            return new Failure(response, logs.awaitLine("last failure", "the line of the request's answer"));
        }
    }

    /** The line that says the endpoint failed two health checks in a row, each answered with {@code answer}. */
    static String ofHealthChecks(String address, SocketUpstream.Connection answer) throws Exception {
        try (SocketUpstream server = SocketUpstream.start("endpoint", answer);
             LogCapture logs = LogCapture.start();
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + address + server.port() + "\"], health-check { path = \"/healthz\","
                             + " interval = 50ms, timeout = 1s, healthy-threshold = 2, unhealthy-threshold = 2 } }",
                     "{ name = default, upstream = app }"))) {
            return logs.awaitLine("failed 2 health checks", "the line that the endpoint failed");
        }
    }
}
