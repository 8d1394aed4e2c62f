package dev.rampart.core.proxy;

import dev.rampart.core.testing.FailingOnceTicker;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure inside the proxy once an answer it made itself (here a 405 to a refused method) is written, while
 * the request is being ended: it runs in the write's listener, where Netty would only log what it throws and
 * leave the connection neither read nor closed. It is a bug like any other: logged once at ERROR and the
 * connection closed, as an exchange ends after such a failure. A ticker that throws once, on an event loop,
 * is the failure: read when the head's first bytes arrive, when the request starts, then when it is logged.
 */
class FailureAfterOwnAnswerTest {

    @Test
    void aFailureWhileTheAnsweredRequestEndsIsLoggedAndClosesTheConnection() throws Exception {
        FailingOnceTicker ticker = new FailingOnceTicker();
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     ticker)) {
            try (LogCapture logs = LogCapture.start(); RawHttp raw = proxy.raw()) {
                ticker.failReadOnAnEventLoopAfter(2);
                RawHttp.Response answer = raw.send("TRACE / HTTP/1.1\r\nHost: test\r\n\r\n").read();

                assertNotNull(answer);
                assertEquals(405, answer.status(), "the answer itself went out whole");
                assertTrue(raw.closedByPeer(), "the connection is closed, not left without reads");
                assertEquals(1, logs.errors().size(), logs.dump());
                assertEquals(FailingOnceTicker.MESSAGE, logs.errors().get(0).getThrowableProxy().getMessage());
            }
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(2)), "the request no longer counts as in flight");
            try (RawHttp raw = proxy.raw()) {
                assertEquals(200, raw.send("GET / HTTP/1.1\r\nHost: test\r\n\r\n").read().status());
            }
        }
    }
}
