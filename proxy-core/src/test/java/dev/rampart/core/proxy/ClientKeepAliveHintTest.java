package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Keep-Alive: timeout=N} tells clients that read it (undici, Node's fetch and {@code http.Agent}) how long
 * an idle connection stays, so that they stop reusing it before the proxy closes it; it is on every response that
 * keeps its connection, whoever made it, and on none that closes one.
 */
class ClientKeepAliveHintTest {

    private static final String ROUTES = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\" } }\n"
            + "{ name = app, match { path-prefix = \"/app\" }, upstream = app }";

    private static ProxyHarness start(FakeUpstream upstream, String serverSettings) {
        return ProxyHarness.start(hocon(upstream, serverSettings));
    }

    private static String hocon(FakeUpstream upstream, String serverSettings) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", ROUTES)
                .replace("host = \"127.0.0.1\", port = 0 }", "host = \"127.0.0.1\", port = 0, " + serverSettings + " }");
    }

    @Test
    void relayedDirectAndErrorResponsesThatKeepTheConnectionNameTheIdleTimeout() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.raw(
                     "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=300\r\nContent-Length: 2\r\n\r\nok"));
             ProxyHarness proxy = start(upstream, "idle-timeout = 7s");
             RawHttp raw = proxy.raw()) {
            for (String path : new String[] {"/app", "/ping", "/nowhere"}) {
                RawHttp.Response response = raw.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertNull(response.header("connection"), path + " keeps the connection");
                assertEquals("timeout=7", response.header("keep-alive"),
                        path + ": the proxy's idle timeout, not the upstream's (" + response.status() + ")");
            }
        }
    }

    @Test
    void anIdleTimeoutOfPartSecondsIsRoundedDownSoThatNoClientWaitsPastTheClose() {
        RawHttp.Response response = firstAnswer("idle-timeout = 2500ms", "GET /app HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals("timeout=2", response.header("keep-alive"));
    }

    @Test
    void anHttp10ClientThatAskedForKeepAliveGetsTheHintBesideConnectionKeepAlive() {
        RawHttp.Response response = firstAnswer("idle-timeout = 60s",
                "GET /app HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
        assertEquals("keep-alive", response.header("connection"));
        assertEquals("timeout=60", response.header("keep-alive"));
    }

    /** The answer to {@code request}, the first on a connection to a proxy with {@code serverSetting}. */
    private static RawHttp.Response firstAnswer(String serverSetting, String request) {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = start(upstream, serverSetting);
             RawHttp raw = proxy.raw()) {
            return raw.send(request).read();
        }
    }

    @Test
    void aReloadThatChangesTheIdleTimeoutChangesTheHintOnAConnectionItKept() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = start(upstream, "idle-timeout = 7s");
             RawHttp raw = proxy.raw()) {
            assertEquals("timeout=7", raw.send("GET /app HTTP/1.1\r\nHost: x\r\n\r\n").read().header("keep-alive"));
            proxy.runtime().apply(ConfigLoader.parse(hocon(upstream, "idle-timeout = 3s"), "idle-timeout shortened"));
            RawHttp.Response after = raw.send("GET /app HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertNull(after.header("connection"), "a reload keeps the connection");
            assertEquals("timeout=3", after.header("keep-alive"), "the idle timeout the connection now waits");
        }
    }

    @Test
    void aResponseThatClosesTheConnectionHasNoHint() {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
             ProxyHarness proxy = start(upstream, "idle-timeout = 60s, max-requests-per-connection = 2")) {
            try (RawHttp raw = proxy.raw()) {
                RawHttp.Response asked = raw.send("GET /app HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
                assertEquals("close", asked.header("connection"));
                assertNull(asked.header("keep-alive"), "the client asked for the close");
            }
            try (RawHttp raw = proxy.raw()) {
                assertEquals("timeout=60", raw.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").read().header("keep-alive"));
                RawHttp.Response last = raw.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals("close", last.header("connection"));
                assertNull(last.header("keep-alive"), "the connection's last request");
                assertTrue(raw.closedByPeer());
            }
        }
    }
}
