package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Building a reload's generation changes nothing the running one serves with: a build that fails halfway (here the
 * ticker throws as the second upstream is built) leaves every upstream's bulkhead limit as it was, where the limit
 * of an upstream built before the failure was once changed already. The same config then applies whole.
 */
class ReloadFailingMidBuildTest {

    @RegisterExtension
    final Closing closing = new Closing();

    /** The system ticker, which throws at the second read on {@link #failOn} after {@link #failSecondReadOn}. */
    private static final class ThrowingTicker implements Ticker {
        private volatile Thread failOn;
        private int reads;

        void failSecondReadOn(Thread thread) {
            reads = 0;
            failOn = thread;
        }

        @Override
        public long read() {
            if (Thread.currentThread() == failOn && ++reads == 2) {
                failOn = null;
                throw new IllegalStateException("the build fails halfway");
            }
            return System.nanoTime();
        }
    }

    private static RampartConfig config(String a, String b, int maxConcurrent) {
        return ConfigLoader.parse(ProxyHarness.config(
                "a { endpoints = [\"" + a + "\"], max-concurrent-requests = " + maxConcurrent + " }\n"
                        + "b { endpoints = [\"" + b + "\"], max-concurrent-requests = " + maxConcurrent + " }",
                "{ name = a, match { path-prefix = \"/a\" }, upstream = a }\n"
                        + "{ name = b, match { path-prefix = \"/b\" }, upstream = b }"), "test.conf");
    }

    @Test
    void aBuildThatFailsHalfwayLeavesTheBulkheadLimitsAsTheyWere() throws Exception {
        FakeUpstream a = closing.add(FakeUpstream.start(UpstreamBehavior.ok("a")));
        FakeUpstream b = closing.add(FakeUpstream.start(UpstreamBehavior.ok("b")));
        ThrowingTicker ticker = new ThrowingTicker();
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "a { endpoints = [\"" + a.authority() + "\"], max-concurrent-requests = 5 }\n"
                        + "b { endpoints = [\"" + b.authority() + "\"], max-concurrent-requests = 5 }",
                "{ name = a, match { path-prefix = \"/a\" }, upstream = a }\n"
                        + "{ name = b, match { path-prefix = \"/b\" }, upstream = b }"), ticker));

        ticker.failSecondReadOn(Thread.currentThread());
        assertThrows(IllegalStateException.class, () -> proxy.runtime().apply(config(a.authority(), b.authority(), 7)));

        assertEquals(5, limitOf(proxy, "a"));
        assertEquals(5, limitOf(proxy, "b"));
        assertEquals("a", get(proxy, "/a"), "the running config serves on");

        proxy.runtime().apply(config(a.authority(), b.authority(), 7));
        assertEquals(7, limitOf(proxy, "a"));
        assertEquals(7, limitOf(proxy, "b"));
        assertEquals("b", get(proxy, "/b"));
    }

    private static int limitOf(ProxyHarness proxy, String upstream) {
        return proxy.runtime().current().upstream(upstream).bulkhead().maxConcurrent();
    }

    private static String get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
