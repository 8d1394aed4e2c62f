package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import io.netty.channel.Channel;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kept-alive connection's next request that reaches the kernel just as the idle timer runs out, before the loop
 * has read it, is read and answered rather than reset by the close (a client reusing the connection at the
 * advertised timeout meets that moment). The loop is made to run the timer between the request's arrival and its
 * read: tasks of its own hold it while the request comes.
 */
class RequestArrivingAtIdleTimeoutTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aRequestThatArrivedAsTheIdleTimerRanOutIsAnswered(String transport) throws Exception {
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:9\"] }",
                "{ name = direct, match { path-prefix = \"/\" }, respond { status = 200, body = \"direct\" } }")
                + "rampart.server { idle-timeout = 3s }\n", Transports.named(transport)));
        RawHttp raw = closing.add(proxy.raw());
        assertEquals("direct", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
        long answeredAt = System.nanoTime();
        Channel ch = proxy.listener().connections().iterator().next();
        // A task due before the idle timer, which the loop then takes in the same turn as the timer, right before
        // it: it holds the loop while the request comes. To have both due in one turn, the loop is held from well
        // before the first of them until past the idle timeout (3 s from the first answer) by another task.
        CountDownLatch heldAgain = new CountDownLatch(1);
        CountDownLatch requestSent = new CountDownLatch(1);
        ch.eventLoop().schedule(() -> {
            heldAgain.countDown();
            await(requestSent);
        }, 2_000, TimeUnit.MILLISECONDS);
        Thread.sleep(1_000);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        ch.eventLoop().execute(() -> {
            holding.countDown();
            await(letGo);
        });
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        assertEquals(1, heldAgain.getCount(), "the loop was held before the scheduled task was due");
        while (System.nanoTime() - answeredAt < TimeUnit.MILLISECONDS.toNanos(3_300)) {
            Thread.sleep(50);
        }
        letGo.countDown();
        assertTrue(heldAgain.await(10, TimeUnit.SECONDS));
        raw.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        Thread.sleep(100); // in the kernel, not yet read by the loop
        requestSent.countDown();
        RawHttp.Response next = raw.read();
        assertEquals(200, next.status());
        assertEquals("direct", next.text());
    }

    /**
     * The kernel dates a new connection's last data received from its handshake: a connection that sends nothing is
     * closed at {@code request-header-timeout} still, not kept as if a request were arriving. Without the bound, it
     * was kept a second longer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void aNewConnectionThatSendsNothingIsStillClosedAtTheHeadTimeout(String transport) {
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:9\"] }",
                "{ name = direct, match { path-prefix = \"/\" }, respond { status = 200, body = \"direct\" } }")
                + "rampart.server { request-header-timeout = 100ms, idle-timeout = 30s }\n", Transports.named(transport)));
        try (RawHttp raw = proxy.raw()) {
            long from = System.nanoTime();
            assertTrue(raw.closedByPeer(), "closed without a byte");
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - from);
            // 100 ms with the bound, 1.1 s without: the rest is room for a loaded machine.
            assertTrue(waitedMillis < 900, "closed after " + waitedMillis + " ms, not at the 100 ms head timeout");
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
