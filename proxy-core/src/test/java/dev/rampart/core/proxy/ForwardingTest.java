package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests and bodies cross the proxy intact, with the forwarding headers a proxy adds. */
class ForwardingTest {

    // One instance for each test (the default lifecycle), so a fresh pair: the tests read the upstream's
    // first request and the proxy's first exchange.
    private final ProxiedEchoUpstream echo = ProxiedEchoUpstream.start();
    private final FakeUpstream upstream = echo.upstream();
    private final ProxyHarness proxy = echo.proxy();

    @AfterEach
    void stop() {
        echo.close();
    }

    @Test
    void aResponseWithoutDateGetsOneAndAnUpstreamDateIsKept() throws Exception {
        upstream.behave(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        HttpResponse<String> undated = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/undated")).build(),
                HttpResponse.BodyHandlers.ofString());
        String date = undated.headers().firstValue("date").orElse(null);
        assertNotNull(date, "RFC 9110 §6.6.1: the forwarder adds the Date the origin left out");
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.parse(date);

        String upstreamDate = "Sun, 06 Nov 1994 08:49:37 GMT";
        upstream.behave(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\nDate: " + upstreamDate
                + "\r\nContent-Length: 2\r\n\r\nok"));
        HttpResponse<String> dated = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/dated")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(java.util.List.of(upstreamDate), dated.headers().allValues("date"));
    }

    @Test
    void twoUpstreamDatesAreReplacedByOneOfTheProxys() throws Exception {
        // uvicorn's own date line, then the one the application set: the head uvicorn sends for both.
        String serverDate = "Sun, 06 Dec 2026 11:48:29 GMT";
        String appDate = "Mon, 01 Jan 2024 00:00:00 GMT";
        upstream.behave(UpstreamBehavior.raw("HTTP/1.1 200 OK\r\ndate: " + serverDate + "\r\nserver: uvicorn\r\n"
                + "date: " + appDate + "\r\ncontent-length: 2\r\n\r\nok"));
        HttpResponse<String> response = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/twice-dated")).build(),
                HttpResponse.BodyHandlers.ofString());

        java.util.List<String> dates = response.headers().allValues("date");
        assertEquals(1, dates.size(), "Date is not a list: two lines make no date at all " + dates);
        assertTrue(!dates.get(0).equals(serverDate) && !dates.get(0).equals(appDate), dates.get(0));
        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.parse(dates.get(0));
        assertEquals("ok", response.body());
    }

    @Test
    void aResponseHeadReachesTheClientBeforeItsBodyDoes() throws Exception {
        // An event stream: the head at once, the first event whenever there is one (here: never).
        upstream.behave(UpstreamBehavior.raw(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"));
        try (dev.rampart.core.testing.RawHttp raw = proxy.raw()) {
            raw.socket().setSoTimeout(3_000); // far below the route's 15 s deadline
            raw.send("GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");

            String head = dev.rampart.core.testing.RawHttp.readHead(raw.socket().getInputStream());

            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("content-type: text/event-stream"), head);
        }
    }

    @Test
    void getIsForwardedWithForwardingHeadersAndARequestId() throws Exception {
        upstream.behave(UpstreamBehavior.ok("hello"));
        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/greet?name=x")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertEquals("hello", response.body());
        String requestId = response.headers().firstValue("x-request-id").orElse(null);
        assertNotNull(requestId, "the response carries the request id");
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("/greet?name=x", seen.uri());
        assertEquals(requestId, seen.header("x-request-id"));
        assertEquals("127.0.0.1", seen.header("x-forwarded-for"));
        assertEquals("http", seen.header("x-forwarded-proto"));
        assertEquals("127.0.0.1:" + proxy.port(), seen.header("x-forwarded-host"));
        assertTrue(seen.header("via").contains("1.1 rampart"), seen.header("via"));
        assertEquals(1, seen.attempt());
        assertEquals(upstream.authority(), seen.header("host"), "Host is the endpoint's unless preserve-host");
    }

    @Test
    void aWellFormedIncomingRequestIdIsKept() throws Exception {
        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/")).header("X-Request-Id", "abc-123").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("abc-123", response.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("abc-123", upstream.requests().get(0).header("x-request-id"));
    }

    @Test
    void aMalformedIncomingRequestIdIsReplaced() throws Exception {
        HttpResponse<String> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/")).header("X-Request-Id", "bad id<script>").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        String id = response.headers().firstValue("x-request-id").orElseThrow();
        assertTrue(id.matches("[0-9a-f-]{36}"), id);
    }

    @Test
    void aRequestIdOnTwoLinesIsReplacedAsTheCommaListItIs() {
        try (dev.rampart.core.testing.RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /two-ids HTTP/1.1\r\nHost: x\r\nX-Request-Id: first-id\r\n"
                    + "X-Request-Id: second-id\r\n\r\n").read().status());
        }
        java.util.List<String> sent = upstream.requests().get(0).headers().getAll("x-request-id");
        assertEquals(1, sent.size(), sent.toString());
        assertTrue(sent.get(0).matches("[0-9a-f-]{36}"), "neither of the client's two: " + sent.get(0));
        assertEquals(sent.get(0), proxy.observer.awaitExchange(1).requestId());
    }

    @Test
    void threeMegabyteBodiesCrossBothWaysByteForByte() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024];
        new Random(42).nextBytes(body);
        HttpResponse<byte[]> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/upload")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, response.statusCode());
        assertEquals(sha256(body), upstream.requests().get(0).bodySha256(), "the upstream got the exact body");
        assertArrayEquals(body, response.body(), "the client got the exact body back");
    }

    @Test
    void aChunkedUploadIsForwardedWhole() throws Exception {
        byte[] body = new byte[700_000];
        new Random(7).nextBytes(body);
        // An InputStream publisher has no length: the JDK client sends it chunked.
        HttpResponse<byte[]> response = proxy.client().send(
                HttpRequest.newBuilder(proxy.uri("/upload"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)))
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(200, response.statusCode());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("chunked", seen.header("x-original-transfer-encoding"), "a chunked upload stays chunked");
        assertEquals(sha256(body), seen.bodySha256());
        assertArrayEquals(body, response.body());
    }

    @Test
    void aTraceIsStartedWhenTheClientSentNone() throws Exception {
        proxy.client().send(HttpRequest.newBuilder(proxy.uri("/")).GET().build(), HttpResponse.BodyHandlers.discarding());
        String traceparent = upstream.requests().get(0).header("traceparent");
        assertNotNull(traceparent);
        assertTrue(traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), traceparent);
        assertEquals(traceparent.substring(3, 35), proxy.observer.awaitExchange(1).traceId(),
                "the access log names the trace the proxy started, so its line can be found from the upstream's spans");
    }

    @Test
    void aValidTraceContextPassesThroughUnchanged() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        proxy.client().send(HttpRequest.newBuilder(proxy.uri("/")).header("traceparent", traceparent)
                .header("tracestate", "congo=t61rcWkgMzE").GET().build(), HttpResponse.BodyHandlers.discarding());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals(traceparent, seen.header("traceparent"));
        assertEquals("congo=t61rcWkgMzE", seen.header("tracestate"));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", proxy.observer.awaitExchange(1).traceId());
    }

    @Test
    void aMalformedTraceparentIsReplacedAndItsStateDropped() throws Exception {
        proxy.client().send(HttpRequest.newBuilder(proxy.uri("/")).header("traceparent", "00-zz-bad-01")
                .header("tracestate", "congo=t61rcWkgMzE").GET().build(), HttpResponse.BodyHandlers.discarding());
        RecordedRequest seen = upstream.requests().get(0);
        assertTrue(seen.header("traceparent").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), seen.header("traceparent"));
        assertEquals(null, seen.header("tracestate"));
    }

    @Test
    void twoTraceparentLinesAreReplacedByOneNewTrace() {
        String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        try (dev.rampart.core.testing.RawHttp raw = proxy.raw()) {
            raw.send("GET /two-traces HTTP/1.1\r\nHost: x\r\ntraceparent: " + valid + "\r\ntraceparent: "
                    + valid.replace("4bf9", "ffff") + "\r\ntracestate: congo=t61rcWkgMzE\r\n\r\n").read();
        }
        RecordedRequest seen = upstream.requests().get(0);
        java.util.List<String> sent = seen.headers().getAll("traceparent");
        assertEquals(1, sent.size(), sent.toString());
        assertTrue(sent.get(0).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01") && !sent.get(0).contains("4bf92f35")
                && !sent.get(0).contains("ffff2f35"), sent.get(0));
        assertEquals(null, seen.header("tracestate"));
        assertEquals(sent.get(0).substring(3, 35), proxy.observer.awaitExchange(1).traceId(), "the trace sent, not a claimed one");
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
