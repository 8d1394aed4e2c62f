package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Keep-alive on both sides: one client connection carries many requests over one pooled upstream connection. */
class KeepAliveTest {

    @Test
    void twoHundredRequestsOnOneClientConnectionReuseOnePooledUpstreamConnection() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> {
                 if (req.method().equals("POST")) {
                     reply.echo();
                 } else {
                     reply.send(200, "text/plain", "you asked for " + req.uri());
                 }
             });
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            for (int i = 0; i < 200; i++) {
                RawHttp.Response response;
                if (i % 10 == 9) {
                    String body = "body number " + i;
                    raw.send("POST /post/" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body);
                    response = raw.read();
                    assertEquals(body, response.text(), "response " + i);
                } else {
                    raw.send("GET /item/" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    response = raw.read();
                    assertEquals("you asked for /item/" + i, response.text(), "response " + i);
                }
                assertEquals(200, response.status(), "response " + i);
                assertNull(response.header("connection"), "the client connection stays open after " + i);
            }
            assertEquals(200, upstream.requests().size());
            assertEquals(1, upstream.connectionsAccepted(), "one pooled upstream connection carried every request");
            Set<Long> connections = upstream.requests().stream().map(RecordedRequest::connectionId)
                    .collect(Collectors.toSet());
            assertEquals(1, connections.size());
        }
    }

    @Test
    void aPooledConnectionThatCarriedPoolMaxRequestsIsClosedAndTheNextRequestGetsANewOne() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", req.uri()));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + upstream.authority() + "\"], pool-max-requests-per-connection = 3 }",
                     "{ name = default, match { path-prefix = \"/\" }, upstream = app }"));
             RawHttp raw = proxy.raw()) {
            for (int i = 0; i < 7; i++) {
                RawHttp.Response response = raw.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals("/" + i, response.text());
                assertNull(response.header("connection"), "the client's connection is not the pool's business");
            }
            List<Long> connections = upstream.requests().stream().map(RecordedRequest::connectionId).toList();
            assertEquals(3, Set.copyOf(connections).size(), "three requests per upstream connection: " + connections);
            assertEquals(connections.get(0), connections.get(2));
            assertNotEquals(connections.get(2), connections.get(3));
            assertEquals(connections.get(3), connections.get(5));
            assertNotEquals(connections.get(5), connections.get(6));
        }
    }

    @Test
    void clientConnectionCloseIsHonouredAndTheUpstreamConnectionStaysPooled() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""))) {
            for (int i = 0; i < 5; i++) {
                try (RawHttp raw = proxy.raw()) {
                    raw.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    RawHttp.Response response = raw.read();
                    assertEquals(200, response.status());
                    assertEquals("close", response.header("connection"));
                    assertEquals(true, raw.closedByPeer(), "the proxy closes after Connection: close");
                }
            }
            // Client connections may land on either of the proxy's two event loops, each with its own pool.
            assertEquals(true, upstream.connectionsAccepted() <= 2,
                    "upstream connections are pooled across client connections: " + upstream.connectionsAccepted());
        }
    }

    @Test
    void aThousandRequestsPipelinedInOneWriteAreEachAnsweredInOrder() {
        int count = 1000; // ~30 KB: one read holds hundreds of heads, far past Netty's default pipeline depth
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", req.uri()));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp raw = proxy.raw()) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < count; i++) {
                all.append("GET /").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            raw.send(all.toString());
            for (int i = 0; i < count; i++) {
                RawHttp.Response response = raw.read();
                assertNotNull(response, "response " + i + " of " + count + ", not a closed connection");
                assertEquals(200, response.status(), "response " + i);
                assertEquals("/" + i, response.text(), "response " + i + " answers request " + i);
            }
            assertEquals(count, upstream.requests().size());
        }
    }

    @Test
    void theAnswerToTheLastRequestAConnectionMayCarryClosesIt() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", req.uri()));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                     + "rampart.server.max-requests-per-connection = 3\n")) {
            try (RawHttp raw = proxy.raw()) {
                for (int i = 1; i <= 3; i++) {
                    RawHttp.Response response = raw.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").read();
                    assertEquals("/" + i, response.text());
                    assertEquals(i < 3 ? null : "close", response.header("connection"), "answer " + i);
                }
                assertEquals(true, raw.closedByPeer(), "closed after the third answer");
            }
            try (RawHttp raw = proxy.raw()) {
                raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /c HTTP/1.1\r\nHost: x\r\n\r\nGET /d HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals("/a", raw.read().text());
                assertEquals("/b", raw.read().text());
                RawHttp.Response last = raw.read();
                assertEquals("/c", last.text());
                assertEquals("close", last.header("connection"));
                assertNull(raw.read(), "a fourth pipelined request is not answered: the client sends it again");
            }
            assertEquals(6, upstream.requests().size());
        }
    }

    @Test
    void pipelinedRequestsTheProxyAnswersItselfAreAnsweredBehindOthers() {
        try (FakeUpstream upstream = FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "proxied"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
                     "app { endpoints = [\"" + upstream.authority() + "\"] }",
                     "{ name = direct, match { path-prefix = \"/direct\" }, respond { status = 200, body = \"direct\" } },"
                             + "{ name = default, match { path-prefix = \"/\" }, upstream = app }"));
             RawHttp raw = proxy.raw()) {
            raw.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /direct/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /direct/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /c HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n");
            for (String expected : new String[] {"proxied", "direct", "direct", "proxied"}) {
                RawHttp.Response response = raw.read();
                assertNotNull(response, "an answer for each pipelined request, not a hang");
                assertEquals(expected, response.text());
            }
            RawHttp.Response refused = raw.read();
            assertNotNull(refused, "the refusal of the last one (two Host fields) is sent too");
            assertEquals(400, refused.status());
        }
    }
}
