package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A request whose {@code Transfer-Encoding} is anything but {@code chunked} alone is never forwarded. Which
 * status it gets says what is wrong (RFC 9112 §6.1, §6.3): a body whose length cannot be known is a 400; a
 * body framed by {@code chunked} after a coding the proxy does not decode is a 501, as nginx and Envoy answer.
 * Either way the body is not read, so the connection closes, and a request hidden behind it never runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransferCodingRefusalTest {

    // One instance for the class (PER_CLASS), so one proxy and upstream for all its tests.
    private final ProxiedEchoUpstream echo = ProxiedEchoUpstream.start();

    @AfterAll
    void stop() {
        echo.close();
    }

    static Stream<Arguments> unframedBodies() {
        return Stream.of(
                Arguments.of("identity", "Transfer-Encoding: identity\r\n\r\n"),
                Arguments.of("gzip", "Transfer-Encoding: gzip\r\n\r\n"),
                Arguments.of("chunked, identity", "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
                Arguments.of("xchunked", "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("chunked, chunked", "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("an empty coding before chunked", "Transfer-Encoding: gzip, , chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("a comma alone before chunked", "Transfer-Encoding: , chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("two lines", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("two lines, an unknown coding first",
                        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
                Arguments.of("gzip, chunked with a Content-Length",
                        "Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unframedBodies")
    void aBodyWhoseLengthCannotBeKnownIsABadRequest(String name, String fieldsAndBody) {
        echo.assertRefusedAndNothingForwarded("POST /a HTTP/1.1\r\nHost: x\r\n" + fieldsAndBody, 400, "BAD_REQUEST");
    }

    @Test
    void chunkedOnHttp10IsABadRequestWhateverCodingsPrecedeIt() {
        echo.assertRefusedAndNothingForwarded(
                "POST /a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400, "BAD_REQUEST");
    }

    static Stream<Arguments> unknownCodings() {
        return Stream.of(
                Arguments.of("gzip, chunked"),
                Arguments.of("GZIP , Chunked"),
                Arguments.of("deflate,chunked"),
                Arguments.of("gzip, br, chunked"),
                Arguments.of("x-custom;level=1, chunked"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unknownCodings")
    void chunkedAfterACodingTheProxyDoesNotDecodeIsNotImplemented(String transferEncoding) {
        // The body behind is a well-framed chunked one whose data is itself a request: read as anything but
        // a refused body, it would reach the upstream.
        String hidden = "POST /hidden HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
        String chunked = Integer.toHexString(hidden.length()) + "\r\n" + hidden + "\r\n0\r\n\r\n";
        echo.assertRefusedAndNothingForwarded(
                "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + transferEncoding + "\r\n\r\n" + chunked,
                501, "NOT_IMPLEMENTED");
    }

    @Test
    void theNotImplementedAnswerIsLoggedWithItsReason() {
        try (RawHttp raw = echo.raw()) {
            raw.send("PUT /logged HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
            RefusedRequests.assertRefusedThenClosed(raw, 501, "NOT_IMPLEMENTED");
        }
        ExchangeRecord logged = echo.proxy().observer.awaitExchange(r -> "/logged".equals(r.path()), "the refused PUT");
        assertEquals(501, logged.status());
        assertEquals("NOT_IMPLEMENTED", logged.reason());
        assertEquals(0, logged.attempts(), "no upstream was tried");
    }
}
