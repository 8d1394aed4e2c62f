package dev.rampart.core.proxy;

import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.testing.UpstreamReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code compression} through real sockets: what a client that accepts gzip gets, what one that
 * does not gets, a stream compressed as it arrives, and an upstream that breaks off a compressed body.
 */
class CompressionTest {

    private static final String JSON = "{\"items\":[" + "{\"id\":12345,\"name\":\"a widget\",\"ok\":true},".repeat(200)
            + "{}]}";

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start((req, reply) -> reply.send(200, "application/json", JSON, "ETag", "\"j1\""));
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = api, match { path-prefix = "/api" }, upstream = app,
                  compression { level = 6, types = ["application/json", "text/*"] } },
                { name = plain, match { path-prefix = "/" }, upstream = app }
                """));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    @Test
    void aClientThatAcceptsGzipGetsTheBodyCompressedAndTheConnectionStaysUsable() throws IOException {
        try (RawHttp raw = proxy.raw()) {
            for (int i = 0; i < 2; i++) { // the second answer on the same connection shows the framing held
                RawHttp.Response response = raw.send(get("/api/items", "Accept-Encoding: gzip, br\r\n")).read();
                assertEquals(200, response.status());
                assertEquals("gzip", response.header("content-encoding"));
                assertEquals("chunked", response.header("transfer-encoding"));
                assertNull(response.header("content-length"));
                assertEquals("Accept-Encoding", response.header("vary"));
                assertEquals("W/\"j1\"", response.header("etag"));
                assertTrue(response.body().length < JSON.length() / 5, "compressed: " + response.body().length);
                assertEquals(JSON, new String(gunzip(response.body()), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void aClientThatDoesNotAcceptGzipGetsTheUpstreamsBytesWithVary() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(get("/api/items", "Accept-Encoding: gzip;q=0, br\r\n")).read();
            assertNull(response.header("content-encoding"));
            assertEquals(String.valueOf(JSON.length()), response.header("content-length"));
            assertEquals("Accept-Encoding", response.header("vary"));
            assertEquals("\"j1\"", response.header("etag"));
            assertEquals(JSON, response.text());
        }
    }

    @Test
    void fieldsTheUpstreamNamedInConnectionDoNotTakeTheCompressionsOwnWithThem() throws IOException {
        // Its Vary and Content-Encoding were for the proxy alone (RFC 9110 §7.6.1) and go no further; the ones the
        // compression writes are the proxy's and must reach the client, or it reads gzip bytes as the body.
        upstream.behave((req, reply) -> reply.send(200, "application/json", JSON,
                "Connection", "Vary, content-encoding, X-Hop", "Vary", "Origin", "Content-Encoding", "identity",
                "X-Hop", "1"));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response gzipped = raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read();
            assertEquals("gzip", gzipped.header("content-encoding"));
            assertEquals("Accept-Encoding", gzipped.header("vary"));
            assertNull(gzipped.header("x-hop"));
            assertEquals(JSON, new String(gunzip(gzipped.body()), StandardCharsets.UTF_8));
            RawHttp.Response plain = raw.send(get("/api/items", "")).read();
            assertNull(plain.header("content-encoding"));
            assertEquals("Accept-Encoding", plain.header("vary"));
            assertEquals(JSON, plain.text());
        }
    }

    @Test
    void aRouteWithoutCompressionRelaysTheResponseAsItIs() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(get("/other", "Accept-Encoding: gzip\r\n")).read();
            assertNull(response.header("content-encoding"));
            assertNull(response.header("vary"));
            assertEquals(JSON, response.text());
        }
    }

    @Test
    void aChunkedBodyIsCompressedWhole() throws IOException {
        upstream.behave((req, reply) -> reply.sendChunked(200, "first line\n".repeat(100), "second\n".repeat(300), "end"));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(get("/api/lines", "Accept-Encoding: gzip\r\n")).read();
            assertEquals("gzip", response.header("content-encoding"));
            assertEquals("first line\n".repeat(100) + "second\n".repeat(300) + "end",
                    new String(gunzip(response.body()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void aStreamIsCompressedAsItArrivesNotHeldUntilItsEnd() throws Exception {
        CompletableFuture<UpstreamReply> streaming = new CompletableFuture<>();
        upstream.behave((req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk("data: one\n\n"));
            streaming.complete(reply);
        });
        try (RawHttp raw = proxy.raw()) {
            raw.send(get("/api/events", "Accept-Encoding: gzip\r\n"));
            InputStream in = raw.socket().getInputStream();
            String head = RawHttp.readHead(in);
            assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("content-encoding: gzip"), head);
            Inflater inflater = new Inflater(true);
            byte[] first = readChunk(in);
            inflater.setInput(first, 10, first.length - 10); // past the gzip header
            assertEquals("data: one\n\n", inflate(inflater), "the first event, before the upstream sent more");

            streaming.get(5, TimeUnit.SECONDS).raw(chunk("data: two\n\n") + "0\r\n\r\n");
            inflater.setInput(readChunk(in));
            assertEquals("data: two\n\n", inflate(inflater));
            inflater.end();
        }
    }

    @Test
    void pastMaxCompressedResponsesAResponseGoesUncompressedUntilASlotIsFree() throws Exception {
        AtomicInteger limited = new AtomicInteger();
        proxy.close();
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = api, match { path-prefix = "/api" }, upstream = app,
                  compression { types = ["application/json", "text/*"] } }
                """) + "rampart.server { max-compressed-responses = 1 }\n", new ProxyObserver() {
                    @Override
                    public void onCompressionLimited() {
                        limited.incrementAndGet();
                    }
                });
        CompletableFuture<UpstreamReply> streaming = new CompletableFuture<>();
        upstream.behave((req, reply) -> {
            if (req.uri().equals("/api/events")) {
                reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + chunk("data: one\n\n"));
                streaming.complete(reply);
            } else {
                reply.send(200, "application/json", JSON);
            }
        });
        try (RawHttp events = proxy.raw()) {
            events.send(get("/api/events", "Accept-Encoding: gzip\r\n"));
            String head = RawHttp.readHead(events.socket().getInputStream());
            assertTrue(head.toLowerCase(java.util.Locale.ROOT).contains("content-encoding: gzip"), head);

            // The one slot is the stream's: this response goes as it came, whole and readable.
            try (RawHttp raw = proxy.raw()) {
                RawHttp.Response response = raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read();
                assertNull(response.header("content-encoding"));
                assertEquals(JSON, response.text());
                assertEquals("Accept-Encoding", response.header("vary"), "the next one may be compressed");
            }
            assertEquals(1, limited.get(), "the response sent as it came is counted");
            streaming.get(5, TimeUnit.SECONDS).raw("0\r\n\r\n");
            events.socket().getInputStream().readNBytes(1); // the stream's end is on its way
        }
        dev.rampart.core.testing.Await.until(() -> {
            try (RawHttp raw = proxy.raw()) {
                return "gzip".equals(raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read()
                        .header("content-encoding"));
            }
        }, "the stream's slot is free again once it has ended");
    }

    @Test
    void anUpstreamThatBreaksOffACompressedBodyCutsTheClientsStreamShort() throws Exception {
        byte[] half = new byte[3000];
        Arrays.fill(half, (byte) 'x');
        upstream.behave((req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6000\r\n\r\n"
                    + new String(half, StandardCharsets.ISO_8859_1));
            reply.after(200, reply::reset);
        });
        try (RawHttp raw = proxy.raw()) {
            raw.send(get("/api/big", "Accept-Encoding: gzip\r\n"));
            InputStream in = raw.socket().getInputStream();
            assertTrue(RawHttp.readHead(in).toLowerCase(java.util.Locale.ROOT).contains("content-encoding: gzip"));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            IOException cut = assertThrows(IOException.class, () -> {
                while (true) {
                    byte[] data = readChunk(in);
                    assertTrue(data.length > 0, "no last chunk: the body is unfinished");
                    received.writeBytes(data);
                }
            });
            assertTrue(cut.getMessage().startsWith("closed"), cut.toString());
            // What came is the upstream's bytes so far, readable, and no gzip trailer says the stream ended.
            Inflater inflater = new Inflater(true);
            byte[] compressed = received.toByteArray();
            inflater.setInput(compressed, 10, compressed.length - 10);
            assertEquals(new String(half, StandardCharsets.ISO_8859_1), inflate(inflater, half.length + 1));
            assertTrue(!inflater.finished());
            inflater.end();
            assertThrows(IOException.class, () -> gunzip(compressed));
        }
    }

    @Test
    void aBodyEncodedOnASecondContentEncodingLineIsRelayedAsItIs() {
        upstream.behave((req, reply) -> reply.send(200, "application/json", JSON, "Content-Encoding", "identity",
                "Content-Encoding", "br"));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(get("/api/items", "Accept-Encoding: gzip, br\r\n")).read();
            assertEquals(200, response.status());
            assertEquals(String.valueOf(JSON.length()), response.header("content-length"), "not compressed again");
            assertEquals(JSON, response.text());
            assertEquals("identity, br", response.header("content-encoding"), "both lines, as they came");
        }
    }

    @Test
    void headGetsTheHeadOfTheCompressedGetWithoutABody() {
        // RFC 9110 §9.3.2: the same fields as the GET, which a client checks before it downloads (nginx: the same).
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("HEAD /api/items HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
                    .read(true);
            assertEquals(200, response.status());
            assertEquals("gzip", response.header("content-encoding"));
            assertEquals("Accept-Encoding", response.header("vary"));
            assertEquals("W/\"j1\"", response.header("etag"));
            assertNull(response.header("content-length"), "the compressed length is not known");
            assertNull(response.header("transfer-encoding"), "no body follows to frame");
            RawHttp.Response next = raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read();
            assertEquals(200, next.status(), "no body was sent after the HEAD's head: the connection reads on");
            assertEquals("gzip", next.header("content-encoding"));
        }
    }

    @Test
    void aTagThatIsNotAnEntityTagDoesNotLabelTheCompressedBytes() throws IOException {
        // Unquoted, or with a lower-case w/, it cannot be made weak: kept, it would name the gzip bytes with the
        // validator of the upstream's, and a lenient upstream would answer an If-Range with it by a range of the
        // uncompressed body (nginx drops such a tag from what it compresses too).
        upstream.behave((req, reply) -> reply.send(200, "application/json", JSON, "ETag", "j1", "ETag", "w/\"j2\"",
                "ETag", "\"j3\""));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response compressed = raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read();
            assertEquals("gzip", compressed.header("content-encoding"));
            assertEquals("W/\"j3\"", compressed.header("etag"), "only the entity tag, weakened");
            assertEquals(JSON, new String(gunzip(compressed.body()), StandardCharsets.UTF_8));
            RawHttp.Response plain = raw.send(get("/api/items", "")).read();
            assertEquals("j1, w/\"j2\", \"j3\"", plain.header("etag"), "the upstream's bytes, its tags");
        }
    }

    @Test
    void aBodyItsUpstreamVouchedForWithADigestIsRelayedAsItIs() {
        // A digest is of the bytes the upstream sent (RFC 9530): gzip would make it false, and an HTTP message
        // signature (RFC 9421) that covers it could neither keep it nor lose it. Announced as a trailer, likewise.
        String[][] vouched = {{"Content-Digest", "sha-256=:AAAA:"}, {"Repr-Digest", "sha-256=:AAAA:"},
                {"Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ=="}, {"Digest", "SHA-256=AAAA"}, {"Trailer", "Content-Digest"}};
        for (String[] field : vouched) {
            upstream.behave((req, reply) -> reply.send(200, "application/json", JSON, field[0], field[1]));
            try (RawHttp raw = proxy.raw()) {
                RawHttp.Response response = raw.send(get("/api/items", "Accept-Encoding: gzip\r\n")).read();
                assertNull(response.header("content-encoding"), field[0]);
                assertEquals(String.valueOf(JSON.length()), response.header("content-length"), field[0]);
                assertEquals(field[1], response.header(field[0]));
                assertEquals(JSON, response.text());
            }
        }
    }

    @Test
    void aDigestTrailerTheHeadDidNotAnnounceIsNotSentWithTheCompressedBody() throws Exception {
        // Known only once the body is gzipped and on its way: it is of the upstream's bytes, not of these.
        upstream.behave((req, reply) -> reply.raw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk(JSON)
                + "0\r\nContent-Digest: sha-256=:AAAA:\r\nX-Rows: 200\r\n\r\n"));
        assertEquals("x-rows: 200", trailersOf(get("/api/items", "Accept-Encoding: gzip\r\n")));
        assertEquals("content-digest: sha-256=:aaaa:\nx-rows: 200", trailersOf(get("/api/items", "")),
                "the upstream's bytes keep their digest");
    }

    /** The trailer lines of the chunked answer to {@code request}, in lower case, one a line. */
    private String trailersOf(String request) throws IOException {
        try (RawHttp raw = proxy.raw()) {
            raw.send(request);
            InputStream in = raw.socket().getInputStream();
            RawHttp.readHead(in);
            int size;
            while ((size = Integer.parseInt(new String(readLine(in), StandardCharsets.US_ASCII).trim(), 16)) > 0) {
                in.readNBytes(size + 2); // the body, and its chunk's CRLF: only its end matters here
            }
            StringBuilder trailers = new StringBuilder();
            String line;
            while (!(line = new String(readLine(in), StandardCharsets.ISO_8859_1)).isEmpty()) {
                trailers.append(trailers.length() == 0 ? "" : "\n").append(line.toLowerCase(java.util.Locale.ROOT));
            }
            return trailers.toString();
        }
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("closed before the end of a line");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toByteArray();
    }

    @Test
    void aNotModifiedForTheCompressedCopyKeepsItsWeakTagAndVary() {
        // A cache revalidating its gzip copy sends the weak tag compression gave it; the upstream's 304 names its
        // strong tag, which would relabel the cached gzip bytes with the uncompressed body's strong validator.
        upstream.behave((req, reply) -> reply.raw("HTTP/1.1 304 Not Modified\r\nETag: \"j1\"\r\n"
                + "Cache-Control: max-age=60\r\n\r\n"));
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response compressedCopy = raw.send(get("/api/items",
                    "Accept-Encoding: gzip\r\nIf-None-Match: W/\"j1\"\r\n")).read();
            assertEquals(304, compressedCopy.status());
            assertEquals("W/\"j1\"", compressedCopy.header("etag"));
            assertEquals("Accept-Encoding", compressedCopy.header("vary"));
            RawHttp.Response plainCopy = raw.send(get("/api/items",
                    "Accept-Encoding: gzip\r\nIf-None-Match: \"j1\"\r\n")).read();
            assertEquals(304, plainCopy.status());
            assertEquals("\"j1\"", plainCopy.header("etag"), "the uncompressed copy keeps its strong tag");
            RawHttp.Response otherRoute = raw.send(get("/other",
                    "Accept-Encoding: gzip\r\nIf-None-Match: W/\"j1\"\r\n")).read();
            assertEquals("\"j1\"", otherRoute.header("etag"), "a route without compression weakened nothing");
            assertNull(otherRoute.header("vary"));
        }
    }

    private static String get(String path, String extraHeaders) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extraHeaders + "\r\n";
    }

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    /** One chunk of a chunked body, its size line and closing CRLF read past. */
    private static byte[] readChunk(InputStream in) throws IOException {
        ByteArrayOutputStream sizeLine = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0 || sizeLine.size() > 20) {
                throw new IOException("closed before a chunk");
            }
            if (b != '\r') {
                sizeLine.write(b);
            }
        }
        byte[] data = in.readNBytes(Integer.parseInt(sizeLine.toString(StandardCharsets.US_ASCII).trim(), 16));
        in.readNBytes(2);
        return data;
    }

    private static String inflate(Inflater inflater) throws Exception {
        return inflate(inflater, 1000);
    }

    private static String inflate(Inflater inflater, int room) throws Exception {
        byte[] out = new byte[room];
        int n = inflater.inflate(out);
        return new String(out, 0, n, StandardCharsets.UTF_8);
    }

    private static byte[] gunzip(byte[] gzip) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        }
    }
}
