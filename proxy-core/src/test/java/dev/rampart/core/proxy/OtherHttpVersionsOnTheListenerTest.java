package dev.rampart.core.proxy;

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

/**
 * The listener speaks HTTP/1.0 and 1.1 only. What other versions' clients send first is refused with the
 * 400 envelope and a close, never forwarded: the HTTP/2 connection preface of a client with prior
 * knowledge ({@code curl --http2-prior-knowledge}, gRPC without TLS), with its first frames right behind it,
 * as such a client sends them in one flight; an HTTP/0.9 request line, which has no version (nginx still
 * serves it, with a bare body); a request line naming HTTP/3. A request smuggled behind each is never read.
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
                Arguments.of("an HTTP/0.9 request line", "GET /a\r\n"),
                Arguments.of("an HTTP/3.0 request line", "GET /a HTTP/3.0\r\nHost: x\r\n\r\n"));
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
}
