package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RFC 9110 §7.6.1: hop-by-hop headers, and every header a {@code Connection} header names, stop at the
 * proxy in both directions, however many {@code Connection} lines carry the names; forwarding headers
 * are added or appended.
 */
class HopByHopHeadersTest {

    private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection", "te",
            "upgrade", "proxy-authorization", "proxy-authenticate");

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void hopByHopRequestHeadersAndEveryNamedOneOnSeveralConnectionLinesAreRemoved() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /hop HTTP/1.1\r\n"
                    + "Host: front.example\r\n"
                    + "Connection: keep-alive, X-Named-First\r\n"
                    + "Connection: X-Named-Second\r\n"
                    + "Connection: x-named-third ,X-Named-Fourth\r\n"
                    + "X-Named-First: 1\r\n"
                    + "X-Named-Second: 2\r\n"
                    + "X-Named-Third: 3\r\n"
                    + "X-Named-Fourth: 4\r\n"
                    + "Keep-Alive: timeout=5\r\n"
                    + "Proxy-Connection: keep-alive\r\n"
                    + "TE: trailers\r\n"
                    + "Trailer: X-Checksum\r\n"
                    + "Proxy-Authorization: Basic c2VjcmV0OnNlY3JldA==\r\n"
                    + "X-End-To-End: kept\r\n"
                    + "\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        for (String name : HOP_BY_HOP) {
            if (!name.equals("connection")) { // the proxy's own hop to the upstream may carry its own Connection
                assertNull(seen.header(name), name + " must not reach the upstream");
            }
        }
        assertTrue(seen.headers().getAll("connection").stream().noneMatch(v -> v.toLowerCase().contains("x-named")),
                "the client's Connection tokens are not forwarded: " + seen.headers().getAll("connection"));
        for (String named : List.of("x-named-first", "x-named-second", "x-named-third", "x-named-fourth")) {
            assertNull(seen.header(named), named + " was named in a Connection line and must not be forwarded");
        }
        assertEquals("kept", seen.header("x-end-to-end"));
        assertEquals("X-Checksum", seen.header("trailer"), "Trailer is end to end (RFC 9110 §7.6.1 leaves it out)");
    }

    @Test
    void anH2cUpgradesSettingsStopAtTheProxyBothWaysThoughConnectionDoesNotNameThem() {
        // RFC 7540 §3.2.1: HTTP2-Settings is connection-specific; a client must name it in Connection, and one
        // that does not must not have it reach the upstream either (nginx and HAProxy forward it, named or not).
        // An upstream speaking h2c would read it only beside an Upgrade, which stops here too.
        upstream.behave((req, reply) -> reply.send(200, "text/plain", "fine",
                "Upgrade", "h2,h2c", "HTTP2-Settings", "AAMAAABk", "X-Upstream-Kept", "yes"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertNull(response.header("http2-settings"), "an upstream's advertisement is its own connection's");
            assertNull(response.header("upgrade"));
            assertEquals("yes", response.header("x-upstream-kept"));
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertNull(seen.header("http2-settings"));
        assertNull(seen.header("upgrade"));
    }

    @Test
    void aChunkedRequestsTransferEncodingIsTheProxysOwnFramingNotACopy() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("chunked", seen.header("x-original-transfer-encoding"));
        assertEquals(5, seen.bodyLength());
    }

    @Test
    void hopByHopResponseHeadersAndEveryNamedOneAreRemoved() {
        upstream.behave((req, reply) -> reply.send(200, "text/plain", "fine",
                "Connection", "X-Upstream-First",
                "Connection", "x-upstream-second",
                "X-Upstream-First", "1",
                "X-Upstream-Second", "2",
                "Keep-Alive", "timeout=30",
                "Proxy-Connection", "keep-alive",
                "Trailer", "X-Checksum",
                "Upgrade", "h2c",
                "Proxy-Authenticate", "Basic realm=\"upstream\"",
                "X-Upstream-Kept", "yes"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals("fine", response.text());
            for (String name : HOP_BY_HOP) {
                if (!name.equals("connection") && !name.equals("keep-alive")) {
                    assertNull(response.header(name), name + " must not reach the client");
                }
            }
            assertEquals("timeout=60", response.header("keep-alive"),
                    "the proxy's own idle timeout (the default), not the upstream's timeout=30");
            String connection = response.header("connection");
            assertTrue(connection == null || !connection.toLowerCase().contains("x-upstream"),
                    "the upstream's Connection tokens are not forwarded: " + connection);
            assertNull(response.header("x-upstream-first"));
            assertNull(response.header("x-upstream-second"));
            assertEquals("yes", response.header("x-upstream-kept"));
            assertEquals("X-Checksum", response.header("trailer"), "Trailer is end to end");
            // The upstream's hop-by-hop headers are about its own connection, not the client's.
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, raw.read().status(), "the client connection is still open");
        }
    }

    @Test
    void anUpgradeRequiredKeepsTheUpgradeItRequiresNamedInConnection() {
        upstream.behave((req, reply) -> reply.send(426, "text/plain", "use tls",
                "Connection", "Upgrade", "Upgrade", "TLS/1.2, HTTP/1.1"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(426, response.status());
            assertEquals("TLS/1.2, HTTP/1.1", response.header("upgrade"), "RFC 9110 §15.5.22: a 426 names the protocol");
            assertEquals("upgrade", response.header("connection"), "a sender of Upgrade names it in Connection");
            raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(426, raw.read().status(), "the client connection is still open");
        }
    }

    @Test
    void forwardingHeadersAreAppendedToWhatTheClientSent() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /fwd HTTP/1.1\r\n"
                    + "Host: shop.example:8443\r\n"
                    + "X-Forwarded-For: 203.0.113.7, 198.51.100.2\r\n"
                    + "Via: 1.1 edge-cache, \r\n" // an empty element at its end: dropped, not left between commas
                    + "\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertTrue(response.header("via").endsWith("1.1 rampart"), "Via on the response: " + response.header("via"));
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("203.0.113.7, 198.51.100.2, 127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("http", seen.header("x-forwarded-proto"));
        assertEquals("shop.example:8443", seen.header("x-forwarded-host"));
        assertEquals("1.1 edge-cache, 1.1 rampart", seen.header("via"));
    }

    @Test
    void aClientsForwardedFieldIsDroppedSinceItsHostAndProtoCannotBeBelieved() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /fwd HTTP/1.1\r\nHost: app.example\r\n"
                    + "Forwarded: for=6.6.6.6;host=evil.example;proto=https\r\nforwarded: for=7.7.7.7\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals(null, seen.header("forwarded"), "RFC 7239 readers (Spring's ForwardedHeaderFilter) prefer it to"
                + " the X-Forwarded-* fields the proxy sets");
        assertEquals("http", seen.header("x-forwarded-proto"));
        assertEquals("app.example", seen.header("x-forwarded-host"));
    }

    @Test
    void aClientsOtherClaimsOfHowItCameAreDroppedAndXRealIpIsItsAddress() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /fwd HTTP/1.1\r\nHost: app.example\r\n"
                    + "X-Forwarded-Port: 8443\r\nX-Forwarded-Prefix: /evil\r\nX-Forwarded-Ssl: on\r\n"
                    + "X-Forwarded-Scheme: https\r\nX-Original-URL: /admin\r\nX-Rewrite-URL: /admin\r\n"
                    + "X_Original_URL: /admin\r\nX-Real-IP: 6.6.6.6\r\nX_Real_IP: 7.7.7.7\r\n"
                    + "Proxy: http://evil.example:3128\r\n"
                    + "X-Custom-Claim: kept\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        for (String name : List.of("x-forwarded-port", "x-forwarded-prefix", "x-forwarded-ssl", "x-forwarded-scheme",
                "x-original-url", "x-rewrite-url", "x_original_url", "x_real_ip", "proxy")) {
            assertEquals(null, seen.header(name), name + " reached the upstream");
        }
        assertEquals("127.0.0.1", seen.header("x-real-ip"), "the client's own address, not its claim");
        assertEquals("kept", seen.header("x-custom-claim"), "other headers pass");
    }

    @Test
    void forwardingFieldsNamedInConnectionAreTheSendersHopOnlyAndStartAfresh() {
        upstream.behave((req, reply) -> reply.send(200, "text/plain", "fine",
                "Connection", "Via", "Via", "1.1 internal-lb"));
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /fwd HTTP/1.1\r\n"
                    + "Host: shop.example\r\n"
                    + "Connection: X-Forwarded-For, Via\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\n"
                    + "Via: 1.1 edge-cache\r\n"
                    + "\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            assertEquals("1.1 rampart", response.header("via"), "the upstream's Connection-named Via stops here");
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("1.1 rampart", seen.header("via"));
    }

    @Test
    void aRequestIdNamedInConnectionStopsAndTheRequestGetsAnIdOfItsOwn() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /id HTTP/1.1\r\nHost: x\r\nConnection: X-Request-Id\r\nX-Request-Id: client-hop-id\r\n\r\n");
            RawHttp.Response response = raw.read();
            assertEquals(200, response.status());
            String id = response.header("x-request-id");
            assertTrue(id != null && !id.equals("client-hop-id"), "the hop's own field is not the request's id: " + id);
            assertEquals(id, upstream.requests().get(0).header("x-request-id"), "the upstream gets the new one");
        }
    }

    @Test
    void aTraceparentNamedInConnectionStopsAndANewTraceStartsWithoutTheOldState() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /trace HTTP/1.1\r\nHost: x\r\nConnection: traceparent\r\n"
                    + "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
                    + "tracestate: vendor=abc\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        String trace = seen.header("traceparent");
        assertTrue(trace != null && trace.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                && !trace.contains("4bf92f3577b34da6a3ce929d0e0e4736"), "PRODUCT §3.4: one is started: " + trace);
        assertNull(seen.header("tracestate"), "state belongs to the trace it came with");
    }

    @Test
    void underscoreSpellingsOfTheHeadersTheProxySetsAreDroppedAndOtherUnderscoreNamesPass() {
        // CGI, WSGI and Rack servers read X_Forwarded_For and X-Forwarded-For as one HTTP_X_FORWARDED_FOR.
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET /fwd HTTP/1.1\r\nHost: x\r\nX_Forwarded_For: 6.6.6.6\r\nx_forwarded_proto: https\r\n"
                    + "X_Forwarded_Host: evil.example\r\nX_Request_Id: forged\r\nX_Rampart_Attempt: 9\r\n"
                    + "Content_Length: 0\r\nTransfer_Encoding: chunked\r\n"
                    + "X_Tenant_Id: t-42\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        RecordedRequest seen = upstream.requests().get(0);
        for (String alias : List.of("x_forwarded_for", "x_forwarded_proto", "x_forwarded_host", "x_request_id",
                "x_rampart_attempt", "content_length", "transfer_encoding")) {
            assertNull(seen.header(alias), alias);
        }
        assertEquals("127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("t-42", seen.header("x_tenant_id"), "a name the proxy does not set passes, underscore or not");
    }

    @Test
    void aRequestIdHeaderNamedWithUnderscoresDropsTheClientsDashedSpellingToo() {
        try (FakeUpstream fake = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness harness = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", "")
                     .replace("access-log { enabled = false }",
                             "access-log { enabled = false }\n  request-id { header = \"X_Trace_Id\", trust-incoming = false }"));
             RawHttp raw = harness.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Trace-Id: forged\r\nx-trace_id: forged\r\n"
                    + "X-Forwarded-For: 10.0.0.1\r\n\r\n");
            assertEquals(200, raw.read().status());
            List<String> ids = fake.requests().get(0).headers().entries().stream()
                    .filter(h -> h.getKey().replace('_', '-').equalsIgnoreCase("x-trace-id"))
                    .map(java.util.Map.Entry::getValue).toList();
            assertEquals(1, ids.size(), "the proxy's own, alone: " + ids);
            assertTrue(!ids.get(0).equals("forged"), ids.get(0));
            assertEquals("10.0.0.1, 127.0.0.1", fake.requests().get(0).header("x-forwarded-for"),
                    "the chain itself is kept and extended");
        }
    }

    @Test
    void aClientCannotForgeTheAttemptHeader() {
        try (RawHttp raw = proxy.raw()) {
            raw.send("GET / HTTP/1.1\r\nHost: x\r\nX-Rampart-Attempt: 7\r\n\r\n");
            assertEquals(200, raw.read().status());
        }
        assertEquals(List.of("1"), upstream.requests().get(0).headers().getAll("x-rampart-attempt"));
    }

    @Test
    void responseTrailersCannotCarryFramingResponseControlOrTheProxysOwnFields() throws Exception {
        String chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n"
                + "Content-Length: 99\r\nSet-Cookie: session=evil\r\nLocation: http://evil.example/\r\n"
                + "X-Request-Id: forged\r\nConnection: X-Hop\r\nX-Hop: 1\r\nAuthorization: Basic Zm9vOmJhcg==\r\n"
                + "Proxy-Authorization: Basic Zm9v\r\nCookie: a=b\r\nX-Checksum: 5d41402a\r\n\r\n";
        try (FakeUpstream fake = FakeUpstream.start(UpstreamBehavior.raw(chunked));
             ProxyHarness harness = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));
             RawHttp raw = harness.raw()) {
            raw.send("GET /down HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String all = new String(raw.socket().getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            String trailerSection = all.substring(all.indexOf("\r\n0\r\n") + 5);

            assertEquals("X-Checksum: 5d41402a\r\n\r\n", trailerSection, "only what a trailer may carry: " + all);
        }
    }

    @Test
    void trailerFieldsNamedInTheHeadsConnectionStopAtTheProxyBothWays() throws Exception {
        String chunked = "HTTP/1.1 200 OK\r\nConnection: X-Upstream-Hop\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\nX-Upstream-Hop: 1\r\nX-Checksum: 5d41402a\r\n\r\n";
        try (FakeUpstream fake = FakeUpstream.start(UpstreamBehavior.raw(chunked));
             ProxyHarness harness = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));
             RawHttp raw = harness.raw()) {
            raw.send("POST /up HTTP/1.1\r\nHost: x\r\nConnection: close, X-Client-Hop\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Client-Hop: 1\r\nX-Sum: 1\r\n\r\n");
            String all = new String(raw.socket().getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.ISO_8859_1);

            assertEquals("X-Checksum: 5d41402a\r\n\r\n", all.substring(all.indexOf("\r\n0\r\n") + 5), all);
            assertEquals(List.of("X-Sum"), List.copyOf(fake.requests().get(0).trailers().names()));
        }
    }

    @Test
    void requestTrailersCannotCarryRoutingAuthenticationOrTheProxysOwnFields() {
        try (FakeUpstream fake = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness harness = ProxyHarness.start(ProxyHarness.simple("\"" + fake.authority() + "\"", ""));
             RawHttp raw = harness.raw()) {
            raw.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n"
                    + "Host: evil\r\nAuthorization: Basic Zm9vOmJhcg==\r\nX-Forwarded-For: 6.6.6.6\r\n"
                    + "X-Request-Id: forged\r\nX-Rampart-Attempt: 9\r\nConnection: close\r\n"
                    + "X_Forwarded_For: 6.6.6.6\r\nX_Request_Id: forged\r\nX-Checksum: 5d41402a\r\n\r\n");
            assertEquals(200, raw.read().status());
            io.netty.handler.codec.http.HttpHeaders trailers = fake.requests().get(0).trailers();
            assertEquals(List.of("X-Checksum"), List.copyOf(trailers.names()), "only what a trailer may carry: "
                    + trailers);
            assertEquals("5d41402a", trailers.get("x-checksum"));
        }
    }
}
