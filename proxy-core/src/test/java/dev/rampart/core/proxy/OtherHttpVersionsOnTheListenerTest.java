package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The listener speaks HTTP/1.0 and 1.1 only. What other versions' clients send first is refused with an
 * envelope and a close, never forwarded: a request line naming a later major version ({@code HTTP/2.0},
 * {@code HTTP/3.0}) with the 505 {@code HTTP_VERSION_NOT_SUPPORTED} of RFC 9110 §15.6.6, as nginx answers it;
 * the HTTP/2 connection preface of a client with prior knowledge ({@code curl --http2-prior-knowledge}, gRPC
 * without TLS), with its first frames right behind it, as such a client sends them in one flight, and an
 * HTTP/0.9 request line, which has no version (nginx still serves it, with a bare body), with the 400 of a
 * malformed request, as nginx answers the preface. A request smuggled behind each is never read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OtherHttpVersionsOnTheListenerTest {

    /** An empty SETTINGS frame, then a HEADERS frame's 9-byte header: what follows the preface at once. */
    private static final String FIRST_FRAMES = "\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000"
            + "\u0000\u0000\u0010\u0001\u0005\u0000\u0000\u0000\u0001";

    private FakeUpstream upstream;
    private ProxyHarness proxy;

    @BeforeAll
    void start() {
        upstream = FakeUpstream.start(UpstreamBehavior.echo());
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
    }

    @AfterAll
    void stop() {
        proxy.close();
        upstream.close();
    }

    static Stream<Arguments> firstFlights() {
        return Stream.of(
                Arguments.of("the HTTP/2 prior-knowledge preface and its first frames",
                        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + FIRST_FRAMES),
                Arguments.of("an HTTP/0.9 request line", "GET /a\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("firstFlights")
    void isRefusedWithTheEnvelopeAndAClose(String name, String firstFlight) {
        int before = upstream.requests().size();
        try (RawHttp raw = proxy.raw()) {
            raw.send((firstFlight + RefusedRequests.SMUGGLED).getBytes(StandardCharsets.ISO_8859_1));
            RefusedRequests.assertRefusedThenClosed(raw, 400, "BAD_REQUEST");
        }
        RefusedRequests.assertNothingForwardedSince(upstream, before);
    }

    static Stream<Arguments> laterMajorVersions() {
        return Stream.of(
                Arguments.of("HTTP/2.0", "GET", "GET /v2 HTTP/2.0\r\nHost: x\r\n\r\n"),
                Arguments.of("HTTP/3.0", "GET", "GET /v3 HTTP/3.0\r\nHost: x\r\n\r\n"),
                Arguments.of("HTTP/9.9", "POST", "POST /v9 HTTP/9.9\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("laterMajorVersions")
    void aLaterMajorVersionIsAnswered505AndTheConnectionClosed(String version, String method, String request) {
        int before = upstream.requests().size();
        try (RawHttp raw = proxy.raw()) {
            raw.send((request + RefusedRequests.SMUGGLED).getBytes(StandardCharsets.ISO_8859_1));
            RefusedRequests.assertRefusedThenClosed(raw, 505, "HTTP_VERSION_NOT_SUPPORTED");
        }
        RefusedRequests.assertNothingForwardedSince(upstream, before);
        String path = request.substring(request.indexOf(' ') + 1, request.indexOf(" HTTP/"));
        ExchangeRecord logged = proxy.observer.awaitExchange(r -> path.equals(r.path()), "the exchange of " + version);
        // The record is what the access log writes and rampart_requests_total counts.
        assertEquals(method, logged.method());
        assertEquals(505, logged.status());
        assertEquals("HTTP_VERSION_NOT_SUPPORTED", logged.reason());
    }
}
