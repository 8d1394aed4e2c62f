package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The body of a request the proxy answered itself is dropped for at most {@code lingering-time}, as nginx
 * discards one: a client that trickles it just fast enough for {@code request-body-timeout} does not hold
 * the connection for as long as {@code max-request-body} lasts.
 */
class DroppedBodyTimeCapTest {

    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config("",
            "{ name = health, match { path-prefix = \"/health\" }, respond { status = 200, body = \"ok\" } }")
            .replace("port = 0 }\n  admin", "port = 0, max-request-body = 10m, request-body-timeout = 2s,"
                    + " lingering-time = 1s, idle-timeout = 60s }\n  admin"));

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void aBodyTrickledBehindADirectResponseIsDroppedForNoLongerThanTheLingeringTime() throws Exception {
        AtomicBoolean trickling = new AtomicBoolean(true);
        try (RawHttp raw = proxy.raw()) {
            raw.send("POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
            assertEquals(200, raw.read().status());
            long answered = System.nanoTime();
            Thread trickler = new Thread(() -> {
                // 10 bytes every 100 ms: never a pause near request-body-timeout, the body's end hours away
                while (trickling.get()) {
                    try {
                        raw.send("0123456789");
                        Thread.sleep(100);
                    } catch (RuntimeException | InterruptedException e) {
                        return; // the proxy closed the connection
                    }
                }
            });
            trickler.start();
            assertTrue(raw.closedByPeer(), "closed while the body still trickles in");
            long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertTrue(openMillis < 5_000, "lingering-time (1 s) ends the drop; it lasted " + openMillis + " ms");
        } finally {
            trickling.set(false);
        }
        assertEquals(200, proxy.observer.awaitExchange(1).status(), "logged with the answer it got");
    }
}
