package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain's first pass closes the kept-alive connections that sit idle between requests, and only those: a
 * connection accepted whose first request has not come yet is kept, and its request served with
 * {@code Connection: close} (nginx serves it too). A client that connected just before the drain began would
 * otherwise get a reset instead of its answer. The test waits for the pass to have run on every event loop
 * before the new connection sends its request, so the request cannot slip in ahead of it.
 */
class DrainKeepsNewConnectionsTest {

    private static final String GET = "GET /%s HTTP/1.1\r\nHost: test\r\n\r\n";

    @Test
    void theDrainsFirstPassClosesIdleKeptAliveConnectionsButNotOneWhoseFirstRequestHasNotCome() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
             RawHttp keptAlive = proxy.raw();
             RawHttp fresh = proxy.raw()) {
            assertEquals(200, keptAlive.send(GET.formatted("before")).read().status());
            Await.until(() -> proxy.observer.openConnections.get() == 2, "both connections accepted");

            proxy.runtime().startDraining();
            proxy.listener().closeIdleConnections();
            afterTasksQueuedOnEveryLoop(proxy);

            assertTrue(keptAlive.closedByPeer(), "the idle kept-alive connection is closed by the drain's first pass");
            RawHttp.Response answer = fresh.send(GET.formatted("first")).read();
            assertEquals(200, answer.status(), "the new connection's first request is served");
            assertEquals("close", answer.header("connection"), "and the connection ends with it");
        }
    }

    /** Each event loop runs its tasks in order: once an empty one queued now has run, those queued before have. */
    private static void afterTasksQueuedOnEveryLoop(ProxyHarness proxy) throws InterruptedException {
        for (EventExecutor loop : proxy.runtime().workers()) {
            Future<?> done = loop.submit(() -> { });
            assertTrue(done.await(5, TimeUnit.SECONDS), "the event loop ran its queued tasks");
        }
    }
}
