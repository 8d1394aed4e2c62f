package dev.rampart.core.proxy;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.Upstream;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The counters event loops share (requests in flight, the bulkhead's slots, each endpoint's load for least-request,
 * the replay memory, the compression slots, the pooled connections lent out) go back to zero once a burst of
 * concurrent requests is over, whatever happened to them: an upstream that answers 5xx, resets, stalls past the
 * per-try timeout or breaks off mid-body, an endpoint that refuses, clients that leave mid-request, and reloads
 * while all that goes on.
 */
class SharedCountersUnderChaosTest {

    private static final int CLIENTS = 12;
    private static final long LOAD_MILLIS = 2_000;
    private static final String BODY = "ok ".repeat(20_000);

    @Test
    void everySharedCounterIsBackToZeroAfterChaoticLoadWithReloads() throws Exception {
        UpstreamBehavior misbehaving = (req, reply) -> {
            int roll = ThreadLocalRandom.current().nextInt(100);
            if (roll < 10) {
                reply.send(503, "text/plain", "busy");
            } else if (roll < 18) {
                reply.reset();
            } else if (roll < 24) {
                reply.after(400, () -> reply.send(200, "text/plain", "late")); // past the per-try timeout
            } else if (roll < 30) {
                reply.resetMidBody(10_000, 100);
            } else {
                reply.send(200, "text/plain", BODY); // compressed for the client, if a slot is free
            }
        };
        try (FakeUpstream first = FakeUpstream.start(misbehaving);
             FakeUpstream second = FakeUpstream.start(misbehaving)) {
            String endpoints = "\"" + first.authority() + "\", \"" + second.authority() + "\", \"127.0.0.1:"
                    + FakeUpstream.refusingPort() + "\"";
            String hocon = configWith(endpoints, 6);
            try (ProxyHarness proxy = ProxyHarness.start(hocon)) {
                RampartConfig narrower = ConfigLoader.parse(configWith(endpoints, 4), "test.conf");
                RampartConfig wider = ConfigLoader.parse(hocon, "test.conf");
                ConcurrentHashMap<String, LongAdder> seen = new ConcurrentHashMap<>();
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch start = new CountDownLatch(1);
                List<Thread> threads = new ArrayList<>();
                AtomicInteger failures = new AtomicInteger();
                for (int c = 0; c < CLIENTS; c++) {
                    Thread t = new Thread(() -> {
                        try {
                            start.await();
                            while (!stop.get()) {
                                seen.computeIfAbsent(oneRequest(proxy.port()), k -> new LongAdder()).increment();
                            }
                        } catch (Exception e) {
                            failures.incrementAndGet();
                        }
                    });
                    threads.add(t);
                    t.start();
                }
                start.countDown();
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOAD_MILLIS);
                boolean narrow = false;
                while (System.nanoTime() < end) {
                    proxy.runtime().apply(narrow ? narrower : wider);
                    narrow = !narrow;
                    Thread.sleep(50);
                }
                stop.set(true);
                for (Thread t : threads) {
                    t.join(10_000);
                }
                assertEquals(0, failures.get(), "client threads failed");
                assertTrue(seen.getOrDefault("200", new LongAdder()).sum() > 0, "some requests got through: " + seen);

                Upstream app = proxy.runtime().current().upstream("app");
                Await.until(() -> proxy.runtime().inFlight() == 0
                                && proxy.runtime().requestsInFlight("app") == 0
                                && app.endpoints().stream().allMatch(e -> e.inFlight() == 0)
                                && proxy.runtime().replayMemoryHeld() == 0
                                && proxy.runtime().current().compressions().inUse() == 0
                                && app.endpoints().stream().allMatch(e -> borrowed(proxy, e) == 0),
                        () -> "idle after the load: requests " + proxy.runtime().inFlight()
                                + ", bulkhead " + proxy.runtime().requestsInFlight("app")
                                + ", endpoint loads "
                                + app.endpoints().stream().map(e -> e + "=" + e.inFlight()).toList()
                                + ", replay memory " + proxy.runtime().replayMemoryHeld()
                                + ", compressions " + proxy.runtime().current().compressions().inUse()
                                + ", pooled connections borrowed " + app.endpoints().stream()
                                        .map(e -> e + "=" + borrowed(proxy, e)).toList() + "; outcomes " + seen);
            }
        }
    }

    /** Connections of the endpoint's pools that are open and not idle: lent to a request, or connecting for one. */
    private static int borrowed(ProxyHarness proxy, Endpoint endpoint) {
        return proxy.runtime().pools().openConnections(endpoint.poolSettings())
                - proxy.runtime().pools().idleConnections(endpoint.poolSettings());
    }

    private static String configWith(String endpoints, int maxConcurrent) {
        return ProxyHarness.config(
                "app { endpoints = [" + endpoints + "], load-balancing = least-request,"
                        + " connect-timeout = 300ms, max-connections-per-endpoint = 4,"
                        + " max-concurrent-requests = " + maxConcurrent + ","
                        + " circuit-breaker { window = 1s, minimum-calls = 5, consecutive-failures = 3,"
                        + " open-duration = 100ms, max-open-duration = 400ms, half-open-probes = 2 } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 1500ms, compression {},"
                        + " retry { attempts = 3, per-try-timeout = 250ms,"
                        + " on = [connect-failure, reset, timeout, gateway-error],"
                        + " backoff { initial = 5ms, max = 20ms }, budget { ratio = 0.5, min-per-second = 20 } } }");
    }

    /** One request on a fresh connection: answered and read, or left mid-request or mid-response. */
    private static String oneRequest(int port) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            int roll = random.nextInt(10);
            if (roll < 2) {
                // Half a body, then gone: the exchange may be queued, connecting or sending.
                out.write("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[random.nextInt(1, 1000)]);
                out.flush();
                Thread.sleep(random.nextInt(30));
                if (random.nextBoolean()) {
                    socket.setSoLinger(true, 0);
                }
                return "left";
            }
            String method = roll < 5 ? "PUT" : "GET";
            String body = roll < 5 ? "x".repeat(300) : "";
            out.write((method + " /r HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                    + "\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (roll == 2) {
                Thread.sleep(random.nextInt(300)); // gone before or while the answer comes
                socket.setSoLinger(true, 0);
                return "left";
            }
            byte[] head = new byte[12];
            int n = socket.getInputStream().readNBytes(head, 0, 12);
            if (n < 12) {
                return "cut";
            }
            socket.getInputStream().readAllBytes();
            return new String(head, 9, 3, StandardCharsets.US_ASCII);
        } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
            return "io:" + e.getClass().getSimpleName();
        }
    }
}
