package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FailingOnceTicker;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure inside the proxy after a request started but before it has an exchange: no exchange will
 * finish that request, so the handler must end it itself, or a drain waits for it until its grace runs out.
 * A request whose head was read is answered with an envelope before the close (500 INTERNAL_ERROR for a bug,
 * 503 UPSTREAM_OVERLOADED with its Retry-After for a shortage), even when the failure came while it was being
 * admitted (routed, its token checked), before it had an outcome: a close without a word is no answer.
 * A ticker that throws once, on an event loop, is the failure: read first when the request's first bytes
 * arrive (for its head's start), then right after the request starts, while it is admitted.
 */
class InternalErrorBeforeExchangeTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: test\r\n\r\n";

    /** When the head's first bytes arrive, while the guard in front of the decoder holds them: nothing leaks. */
    @Test
    void aFailureAsTheFirstBytesArriveClosesTheConnectionAndTheNextRequestIsServed() throws Exception {
        failOnTickerRead(0);
    }

    /** After the request started: answered, ended (a drain does not wait for it), and logged. */
    @Test
    void theRequestIsAnsweredAndEndsSoADrainDoesNotWaitForItAndTheNextRequestIsServed() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker)) {
            try (LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
                ticker.failReadOnAnEventLoopAfter(1); // the head's first bytes, then its start while admitted
                RawHttp.Response answer = raw.send(GET).read();

                assertNotNull(answer, "answered, not closed without a word");
                assertEquals(500, answer.status());
                Envelope envelope = Envelope.parse(answer.body());
                assertEquals("INTERNAL_ERROR", envelope.reason());
                assertEquals(envelope.metadata("request_id"), answer.header("x-request-id"));
                assertEquals("close", answer.header("connection"));
                assertTrue(raw.closedByPeer(), "the connection of a request the proxy cannot account for is closed");
                assertEquals(1, logs.errors().size(), logs.dump());
                assertEquals(FailingOnceTicker.MESSAGE, logs.errors().get(0).getThrowableProxy().getMessage());
                ExchangeRecord logged = proxy.observer.awaitExchange(1);
                assertEquals(500, logged.status());
                assertEquals("INTERNAL_ERROR", logged.reason());
                assertEquals(answer.header("x-request-id"), logged.requestId());
            }
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(2)),
                    "the failed request still counts as in flight");
            try (RawHttp raw = proxy.raw()) {
                assertEquals(200, raw.send(GET).read().status(), "the proxy serves the next request");
            }
        }
    }

    /** Memory running out while a request is admitted is overload: 503 UPSTREAM_OVERLOADED, with its Retry-After. */
    @Test
    void aShortageWhileARequestIsAdmittedIsAnsweredAsOverloadWithARetryAfter() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker);
             LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
            ticker.failNextReadOnAnEventLoopWith(new OutOfMemoryError("Cannot reserve 4194304 bytes of direct buffer memory"));
            ticker.failReadOnAnEventLoopAfter(1);
            RawHttp.Response answer = raw.send(GET).read();

            assertNotNull(answer, "answered, not closed without a word");
            assertEquals(503, answer.status());
            assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(answer.body()).reason());
            assertEquals("1", answer.header("retry-after"), "UPSTREAM_OVERLOADED says when to come back");
            assertEquals("close", answer.header("connection"));
            assertTrue(raw.closedByPeer());
            assertEquals(List.of(), logs.errors(), "no bug to report");
            assertEquals("UPSTREAM_OVERLOADED", proxy.observer.awaitExchange(1).reason());
            assertEquals(0, upstream.requests().size(), "a request not admitted is not sent");
        }
    }

    /**
     * On a connection that served a request before: the failed one must not be taken for that one, whose
     * outcome the connection still holds. It was logged a second time, as if it had failed.
     */
    @Test
    void aFailureOfTheSecondRequestOnAConnectionDoesNotLogTheFirstAgain() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker);
             LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /first HTTP/1.1\r\nHost: test\r\n\r\n").read().status());
            ExchangeRecord first = proxy.observer.awaitExchange(1);
            assertEquals(200, first.status());
            ticker.failNextReadBy(ServedRequest.class); // the next request, as it starts

            RawHttp.Response answer = raw.send("GET /second HTTP/1.1\r\nHost: test\r\n\r\n").read();

            assertNotNull(answer, "answered, not closed without a word");
            assertEquals(500, answer.status());
            assertFalse(first.requestId().equals(answer.header("x-request-id")), "answered under an id of its own");
            assertTrue(raw.closedByPeer(), "the connection of a request the proxy cannot account for is closed");
            assertEquals(1, logs.errors().size(), logs.dump());
            assertFalse(logs.errors().get(0).getFormattedMessage().contains(first.requestId()),
                    "the failure is not reported under the first request's id: " + logs.dump());
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(2)), "the failed request ended");
            assertEquals(List.of("/first"), proxy.observer.exchanges.stream().map(ExchangeRecord::path)
                    .filter("/first"::equals).toList(), "the first request is logged once");
        }
    }

    private static void failOnTickerRead(int readsBefore) throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker)) {
            try (LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
                ticker.failReadOnAnEventLoopAfter(readsBefore);
                raw.send(GET);

                assertTrue(raw.closedByPeer(), "the connection of a request the proxy cannot account for is closed");
                assertEquals(1, logs.errors().size(), logs.dump());
                assertEquals(FailingOnceTicker.MESSAGE, logs.errors().get(0).getThrowableProxy().getMessage());
            }
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(2)),
                    "the failed request still counts as in flight");
            try (RawHttp raw = proxy.raw()) {
                assertEquals(200, raw.send(GET).read().status(), "the proxy serves the next request");
            }
        }
    }
}
