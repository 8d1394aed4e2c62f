package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A drain waits until no request is in flight and then the process stops, taking the access log and the
 * metrics with it. So a request leaves flight only once it has been reported: a drain that has seen the
 * proxy go quiet has every exchange's record. The observer here takes its time, as a slow log appender
 * or a contended metrics registry might, to widen the window in which the order matters.
 */
class DrainReportsEveryExchangeTest {

    private static final long REPORT_MILLIS = 300;

    @Test
    void quiescenceIsReachedOnlyAfterTheLastExchangeWasReported() throws Exception {
        List<ExchangeRecord> reported = new CopyOnWriteArrayList<>();
        ProxyObserver slowReporter = new ProxyObserver() {
            @Override
            public void onExchangeComplete(ExchangeRecord record) {
                try {
                    Thread.sleep(REPORT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                reported.add(record);
            }
        };
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""),
                     slowReporter);
             RawHttp raw = proxy.raw()) {
            assertEquals(200, raw.send("GET /last HTTP/1.1\r\nHost: test\r\n\r\n").read().status());

            proxy.runtime().startDraining();
            assertTrue(proxy.runtime().awaitQuiescence(Duration.ofSeconds(5)), "the proxy went quiet");
            assertEquals(1, reported.size(), "the last exchange was reported before the drain saw no request in flight");
            assertEquals("/last", reported.get(0).path());
        }
    }
}
