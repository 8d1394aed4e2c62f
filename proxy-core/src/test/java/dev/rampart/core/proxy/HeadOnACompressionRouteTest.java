package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A HEAD on a route that compresses gets the fields the same GET gets (RFC 9110 §9.3.2; nginx's gzip filter
 * does the same), decided by the same rules: the upstream's content type, its declared length against
 * {@code min-length}, {@code Cache-Control: no-transform} on either side, a coding already applied, the
 * client's {@code Accept-Encoding} and version, and the statuses never compressed (206, 304).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeadOnACompressionRouteTest {

    private static final String JSON = "{\"items\":[" + "{\"id\":12345,\"name\":\"a widget\",\"ok\":true},".repeat(50)
            + "{}]}";
    /** The fields that say what the body is and how long: each must be the GET's. */
    private static final List<String> FIELDS = List.of("content-type", "content-encoding", "content-length", "vary",
            "etag", "accept-ranges", "content-range", "cache-control");

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeAll
    void start() {
        upstream = FakeUpstream.start((req, reply) -> {
            switch (req.uri()) {
                case "/small" -> reply.send(200, "application/json", "{}", "ETag", "\"s1\"");
                case "/image" -> reply.send(200, "image/png", JSON, "ETag", "\"i1\"");
                case "/no-transform" -> reply.send(200, "application/json", JSON, "Cache-Control", "no-transform");
                case "/encoded" -> reply.send(200, "application/json", JSON, "Content-Encoding", "br");
                case "/range" -> reply.send(206, "application/json", JSON.substring(0, 1000),
                        "Content-Range", "bytes 0-999/" + JSON.length(), "ETag", "\"j1\"");
                case "/not-modified" -> reply.raw("HTTP/1.1 304 Not Modified\r\nETag: \"j1\"\r\n"
                        + "Cache-Control: max-age=60\r\n\r\n");
                default -> reply.send(200, "application/json", JSON, "ETag", "\"j1\"", "Accept-Ranges", "bytes");
            }
        });
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }", """
                { name = api, match { path-prefix = "/" }, upstream = app, compression { min-length = 100 } }
                """));
    }

    @AfterAll
    void stop() {
        proxy.close();
        upstream.close();
    }

    static Stream<Arguments> requests() {
        String gzip = "Accept-Encoding: gzip\r\n";
        return Stream.of(
                Arguments.of("compressed", "/items", "HTTP/1.1", gzip, "gzip"),
                Arguments.of("no Accept-Encoding", "/items", "HTTP/1.1", "", null),
                Arguments.of("gzip refused with q=0", "/items", "HTTP/1.1", "Accept-Encoding: gzip;q=0\r\n", null),
                Arguments.of("the request's no-transform", "/items", "HTTP/1.1", gzip + "Cache-Control: no-transform\r\n",
                        null),
                Arguments.of("an HTTP/1.0 client", "/items", "HTTP/1.0", gzip, null),
                Arguments.of("a declared length under min-length", "/small", "HTTP/1.1", gzip, null),
                Arguments.of("a type not listed", "/image", "HTTP/1.1", gzip, null),
                Arguments.of("the response's no-transform", "/no-transform", "HTTP/1.1", gzip, null),
                Arguments.of("a coding already applied", "/encoded", "HTTP/1.1", gzip, "br"),
                Arguments.of("a 206 range", "/range", "HTTP/1.1", gzip + "Range: bytes=0-999\r\n", null),
                Arguments.of("a 304 for the compressed copy", "/not-modified", "HTTP/1.1",
                        gzip + "If-None-Match: W/\"j1\"\r\n", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void headGetsTheFieldsOfTheSameGet(String name, String path, String version, String fields, String encoding) {
        Map<String, String> get = headOf("GET", path, version, fields);
        Map<String, String> head = headOf("HEAD", path, version, fields);
        assertEquals(encoding, get.get("content-encoding"), "the GET's own coding: " + get);
        assertEquals(get, head);
    }

    /** The status and {@link #FIELDS} of the answer to one request on a connection of its own. */
    private Map<String, String> headOf(String method, String path, String version, String fields) {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send(method + " " + path + " " + version + "\r\nHost: x\r\n" + fields
                    + "Connection: close\r\n\r\n").read(method.equals("HEAD"));
            Map<String, String> kept = new LinkedHashMap<>();
            kept.put("status", String.valueOf(response.status()));
            for (String field : FIELDS) {
                String value = response.header(field);
                if (value != null) {
                    kept.put(field, value);
                }
            }
            if (method.equals("HEAD")) {
                assertEquals(0, response.body().length);
                assertNull(response.header("transfer-encoding"), "no body follows a HEAD's head to frame");
            }
            return kept;
        }
    }
}
