package dev.rampart.core.proxy;

import dev.rampart.core.bytes.GzipEncoder;
import dev.rampart.core.config.CompressionConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which relayed responses are compressed, and how their heads change when they are and when they are not. */
class ResponseCompressionTest {

    private static final Optional<CompressionConfig> JSON_AND_TEXT =
            Optional.of(new CompressionConfig(List.of("application/json", "text/*"), 1024, 1));

    @Test
    void aListedTypeIsCompressedForAClientThatAcceptsGzipAndItsHeadSaysSo() {
        HttpResponse response = response(200, "Content-Type", "application/json; charset=utf-8",
                "Content-Length", "5000", "ETag", "\"v1\"", "Accept-Ranges", "bytes", "Vary", "Origin");
        assertCompressed(request("gzip, deflate, br"), response);
        HttpHeaders h = response.headers();
        assertEquals("gzip", h.get("Content-Encoding"));
        assertFalse(h.contains("Content-Length"), "the compressed length is not known up front");
        assertFalse(h.contains("Accept-Ranges"), "ranges of the upstream's bytes do not address these");
        assertEquals("W/\"v1\"", h.get("ETag"), "the bytes differ from the upstream's: the tag can only be weak");
        assertEquals(List.of("Origin", "Accept-Encoding"), h.getAll("Vary"));
    }

    @Test
    void aCompressibleResponseVariesOnAcceptEncodingEvenForAClientThatGetsItAsItIs() {
        HttpResponse response = response(200, "Content-Type", "text/html", "Content-Length", "5000", "ETag", "\"v1\"");
        assertNotCompressed(request(null), response);
        assertEquals("Accept-Encoding", response.headers().get("Vary"), "a cache must keep the two forms apart");
        assertEquals("5000", response.headers().get("Content-Length"));
        assertEquals("\"v1\"", response.headers().get("ETag"));
    }

    @Test
    void anExistingVaryOnAcceptEncodingOrOnEverythingIsLeftAsItIs() {
        HttpResponse named = response(200, "Content-Type", "text/html", "Vary", "origin, ACCEPT-ENCODING");
        assertCompressed(request("gzip"), named);
        assertEquals(List.of("origin, ACCEPT-ENCODING"), named.headers().getAll("Vary"));
        HttpResponse star = response(200, "Content-Type", "text/html", "Vary", "*");
        assertCompressed(request("gzip"), star);
        assertEquals(List.of("*"), star.headers().getAll("Vary"));
    }

    @Test
    void aBodyOfUnknownLengthIsCompressedAndAWeakTagStaysAsItIs() {
        HttpResponse response = response(200, "Content-Type", "text/event-stream", "Transfer-Encoding", "chunked",
                "ETag", "W/\"x\"");
        assertCompressed(request("gzip"), response);
        assertEquals("W/\"x\"", response.headers().get("ETag"));
    }

    @Test
    void whatTheResponseForbidsOrDoesNotNeedIsSentAsItIs() {
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "image/png", "Content-Length", "5000"));
        assertNotCompressed(request("gzip"), response(200, "Content-Length", "5000"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html", "Content-Length", "1023"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html", "Content-Length", "0"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html", "Content-Encoding", "br"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html", "Content-Encoding", "gzip"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html",
                "Cache-Control", "public, No-Transform, max-age=60"));
        for (int status : new int[] {204, 205, 206, 304}) {
            assertNotCompressed(request("gzip"), response(status, "Content-Type", "text/html"));
        }
    }

    @Test
    void aRequestMarkedNoTransformGetsTheBodyAsItIsButTheVaryStill() {
        HttpHeaders asking = headers("gzip");
        asking.add("Cache-Control", "max-age=0");
        asking.add("Cache-Control", "NO-TRANSFORM");
        HttpResponse response = response(200, "Content-Type", "text/html", "Content-Length", "5000");
        assertNotCompressed(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", asking), response);
        assertEquals("Accept-Encoding", response.headers().get("Vary"), "a cache may serve it to other clients");
        HttpHeaders other = headers("gzip");
        other.add("Cache-Control", "no-transformx, no-cache");
        assertCompressed(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", other),
                response(200, "Content-Type", "text/html", "Content-Length", "5000"));
    }

    @Test
    void anErrorStatusWithABodyIsCompressedLikeAnyOther() {
        assertCompressed(request("gzip"), response(404, "Content-Type", "text/html", "Content-Length", "4096"));
        assertCompressed(request("gzip"), response(503, "Content-Type", "application/json"));
    }

    @Test
    void anIdentityEncodingIsNoEncoding() {
        HttpResponse response = response(200, "Content-Type", "text/html", "Content-Encoding", "identity");
        assertCompressed(request("gzip"), response);
        assertEquals(List.of("gzip"), response.headers().getAll("Content-Encoding"));
    }

    @Test
    void headGetsTheCompressedHeadWithoutACompressor() {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/", headers("gzip"));
        HttpResponse response = response(200, "Content-Type", "text/html", "Content-Length", "4096", "ETag", "\"h\"");
        CompressionSlots slots = new CompressionSlots();
        assertNull(ResponseCompression.begin(JSON_AND_TEXT, head, response, ByteBufAllocator.DEFAULT, slots, 256),
                "no body to compress");
        assertEquals("gzip", response.headers().get("Content-Encoding"));
        assertEquals("Accept-Encoding", response.headers().get("Vary"));
        assertEquals("W/\"h\"", response.headers().get("ETag"));
        assertNull(response.headers().get("Content-Length"));
        assertEquals(0, slots.inUse(), "no slot held for a body that never comes");
        HttpResponse whenNoSlotIsFree = response(200, "Content-Type", "text/html", "Content-Length", "4096");
        assertNotCompressed(head, whenNoSlotIsFree, 0);
    }

    @Test
    void http10IsAnsweredAsItIs() {
        HttpRequest old = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/", headers("gzip"));
        HttpResponse toOld = response(200, "Content-Type", "text/html");
        assertNotCompressed(old, toOld);
        assertEquals("Accept-Encoding", toOld.headers().get("Vary"),
                "a cache in front of an HTTP/1.0 client may serve the answer to a client that would get it compressed");
    }

    @Test
    void aCodingOnAnyContentEncodingLineIsAnEncodedBody() {
        HttpResponse twoLines = response(200, "Content-Type", "application/json", "Content-Encoding", "identity",
                "Content-Encoding", "gzip");
        assertNotCompressed(request("gzip"), twoLines);
        assertEquals(List.of("identity", "gzip"), twoLines.headers().getAll("Content-Encoding"),
                "both lines kept: gzipped again and labelled once, the body would decode to gzip bytes");
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html", "Content-Encoding", "",
                "Content-Encoding", "br"));
        assertNotCompressed(request("gzip"), response(200, "Content-Type", "text/html",
                "Content-Encoding", "identity, gzip"));
    }

    @Test
    void everyStrongTagOfACompressedResponseBecomesWeak() {
        HttpResponse response = response(200, "Content-Type", "text/html", "ETag", "\"a\"", "ETag", "W/\"b\"",
                "ETag", "\"c\"");
        assertCompressed(request("gzip"), response);
        assertEquals(List.of("W/\"a\"", "W/\"b\"", "W/\"c\""), response.headers().getAll("ETag"));
    }

    @Test
    void aRouteWithoutCompressionChangesNothing() {
        HttpResponse response = response(200, "Content-Type", "text/html");
        assertNull(ResponseCompression.begin(Optional.empty(), request("gzip"), response, ByteBufAllocator.DEFAULT, new CompressionSlots(), 256));
        assertFalse(response.headers().contains("Vary"));
    }

    @Test
    void acceptEncodingIsReadWithItsWeights() {
        for (String yes : new String[] {"gzip", "GZIP", "x-gzip", "deflate, gzip;q=0.5", "gzip ; q=1", "gzip;q=1.000",
                "*", "br, *;q=0.1", "gzip;q=0.001", "identity, gzip"}) {
            assertTrue(ResponseCompression.acceptsGzip(headers(yes)), yes);
        }
        for (String no : new String[] {"", "identity", "br, deflate", "gzip;q=0", "gzip;q=0.000", "*;q=0",
                "*, gzip;q=0", "gzip;q=2", "gzip;q=0.5x", "gzip;level=1", "gzipped"}) {
            assertFalse(ResponseCompression.acceptsGzip(headers(no)), no);
        }
        HttpHeaders twoLines = new DefaultHttpHeaders().add("Accept-Encoding", "br").add("Accept-Encoding", "gzip");
        assertTrue(ResponseCompression.acceptsGzip(twoLines), "field lines are one list");
        assertFalse(ResponseCompression.acceptsGzip(new DefaultHttpHeaders()), "absent: the identity");
    }

    @Test
    void aNotModifiedIsRelabelledOnlyWhenTheRequestValidatesTheCompressedCopy() {
        assertEquals(List.of("W/\"a,1\""), notModified("GET", "\"b\", W/\"a,1\"", "\"a,1\"").getAll("ETag"),
                "a comma inside a tag is the tag's");
        assertEquals(List.of("Accept-Encoding"), notModified("GET", "W/\"a\"", "\"a\"").getAll("Vary"));
        assertEquals(List.of("\"a\""), notModified("GET", "W/\"a\", \"a\"", "\"a\"").getAll("ETag"),
                "both copies named: the strong tag stays");
        assertEquals(List.of("\"a\""), notModified("GET", "\"a\"", "\"a\"").getAll("ETag"));
        assertEquals(List.of("\"a\""), notModified("GET", "W/\"b\"", "\"a\"").getAll("ETag"));
        assertEquals(List.of("\"a\""), notModified("GET", "*", "\"a\"").getAll("ETag"));
        HttpHeaders toHead = notModified("HEAD", "W/\"a\"", "\"a\"");
        assertEquals(List.of("W/\"a\""), toHead.getAll("ETag"), "a HEAD's 200 named the compressed copy as its GET's did");
        assertEquals(List.of("Accept-Encoding"), toHead.getAll("Vary"));
        assertEquals(List.of("\"a\""), notModified("HEAD", "\"a\"", "\"a\"").getAll("ETag"));
        assertEquals(List.of("W/\"a\""), notModified("GET", "W/\"a\"", "W/\"a\"").getAll("ETag"));
        assertTrue(notModified("GET", "\"a\"", "\"a\"").getAll("Vary").isEmpty());
    }

    private static HttpHeaders notModified(String method, String ifNoneMatch, String etag) {
        HttpHeaders asking = headers("gzip").add("If-None-Match", ifNoneMatch);
        HttpResponse response = response(304, "ETag", etag);
        assertNull(ResponseCompression.begin(JSON_AND_TEXT,
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/", asking), response,
                ByteBufAllocator.DEFAULT, new CompressionSlots(), 256));
        return response.headers();
    }

    private static void assertCompressed(HttpRequest request, HttpResponse response) {
        GzipEncoder encoder = ResponseCompression.begin(JSON_AND_TEXT, request, response, ByteBufAllocator.DEFAULT, new CompressionSlots(), 256);
        assertNotNull(encoder, response.toString());
        encoder.close();
    }

    private static void assertNotCompressed(HttpRequest request, HttpResponse response) {
        assertNotCompressed(request, response, 256);
    }

    /** @param most the responses compressed at once ({@code server.max-compressed-responses}) */
    private static void assertNotCompressed(HttpRequest request, HttpResponse response, int most) {
        HttpHeaders before = response.headers().copy();
        assertNull(ResponseCompression.begin(JSON_AND_TEXT, request, response, ByteBufAllocator.DEFAULT, new CompressionSlots(), most),
                response.toString());
        HttpHeaders after = response.headers().copy().remove("Vary");
        assertEquals(before.remove("Vary").entries().toString(), after.entries().toString(), "only a Vary may be added");
    }

    private static HttpRequest request(String acceptEncoding) {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", headers(acceptEncoding));
    }

    private static HttpHeaders headers(String acceptEncoding) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (acceptEncoding != null) {
            headers.add("Accept-Encoding", acceptEncoding);
        }
        return headers;
    }

    private static HttpResponse response(int status, String... nameValues) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        for (int i = 0; i < nameValues.length; i += 2) {
            response.headers().add(nameValues[i], nameValues[i + 1]);
        }
        return response;
    }
}
