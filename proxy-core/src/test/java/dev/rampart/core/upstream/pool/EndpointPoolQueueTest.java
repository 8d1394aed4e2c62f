package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue of requests waiting for a pooled connection, against a real upstream. */
class EndpointPoolQueueTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final PoolLoop pool = new PoolLoop("pool-test");
    /** One connection at most, one request allowed to wait for it. */
    private final PoolSettings settings = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    @Test
    void aRequestThatWaitsForAConnectionIsWarnedOfOncePerSpell() throws Exception {
        try (LogCapture logs = LogCapture.start()) {
            Future<OriginConnection> first = pool.acquire(settings);
            assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the only connection is lent out");
            assertFalse(logs.dump().contains("endpoint " + upstream.authority()), "a free slot is no wait: " + logs.dump());
            assertEquals(0, pool.waits.get(), "a free slot is not counted as a wait");

            Future<OriginConnection> waiting = pool.acquire(settings);
            assertFalse(waiting.isDone(), "the second request waits for the connection");
            pool.release(first.getNow(), true);
            assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess());
            Future<OriginConnection> third = pool.acquire(settings); // waits too, within the same spell
            pool.release(waiting.getNow(), true);
            assertTrue(third.await(5, TimeUnit.SECONDS) && third.isSuccess());
            pool.release(third.getNow(), true);

            List<String> lines = logs.dump().lines().filter(line -> line.contains("endpoint " + upstream.authority()))
                    .toList();
            assertEquals(List.of("WARN dev.rampart.core.upstream.pool.OriginPools - endpoint " + upstream.authority()
                    + ": all 1 connections of an event loop's share of max-connections-per-endpoint (1) are in use;"
                    + " requests wait for one to be released, up to their route's timeout (raise the limit for"
                    + " long-lived responses such as server-sent events)"), lines, "one line for the spell so far");
            assertEquals(2, pool.waits.get(), "each wait is counted (rampart_upstream_pool_waits_total), not only warned of");
        }
    }

    @Test
    void aCancelledWaiterGivesItsPlaceInTheQueueBack() throws Exception {
        Future<OriginConnection> first = pool.acquire(settings);
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the only connection is lent out");

        Future<OriginConnection> waiting = pool.acquire(settings);
        assertFalse(waiting.isDone(), "the second request waits for the connection");
        pool.onLoop(() -> waiting.cancel(false)); // its client went away

        Future<OriginConnection> next = pool.acquire(settings);
        assertFalse(next.isDone() && !next.isSuccess(),
                "the cancelled waiter no longer counts against max-pending: " + next.cause());
        pool.release(first.getNow(), true);
        assertTrue(next.await(5, TimeUnit.SECONDS) && next.isSuccess(), "the released connection goes to the live waiter");
        pool.release(next.getNow(), true);
    }

    @Test
    void atTheEndOfTheDrainAFreedSlotOpensNoConnectionForAWaiter() throws Exception {
        Future<OriginConnection> first = pool.acquire(settings);
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the only connection is lent out");
        Future<OriginConnection> waiting = pool.acquire(settings);
        assertFalse(waiting.isDone(), "the second request waits for it");

        pool.pools.openNoMoreForWaiters(); // the drain's grace is over: the waiting request is about to be answered 503
        pool.release(first.getNow(), false); // its exchange was cut: the connection closes
        assertTrue(first.getNow().channel().closeFuture().await(5, TimeUnit.SECONDS));

        assertEquals(0, (int) pool.onLoop(() -> pool.pools.openConnections(settings)), "no connection opened for the waiter");
        assertFalse(waiting.isDone(), "the waiter is left to its exchange, which the drain ends");
    }

    @Test
    void whenAConnectFailsWithNoConnectionOpenTheQueuedRequestsFailWithIt() throws Exception {
        try (UnansweredListener unanswered = UnansweredListener.start()) {
            PoolSettings dropsConnects = PoolLoop.settings(unanswered.authority(), 1, Duration.ZERO, 8);
            Future<OriginConnection> connecting = pool.acquire(dropsConnects);
            List<Future<OriginConnection>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(pool.acquire(dropsConnects));
            }
            assertTrue(connecting.await(5, TimeUnit.SECONDS) && !connecting.isSuccess(), "its connect timed out");
            afterTheLoopsCurrentTask();
            for (Future<OriginConnection> waiter : queued) {
                // Not one connect-timeout (1 s) after another, each in turn: at once, to be tried elsewhere.
                assertTrue(waiter.isDone(), "a queued request failed with the connect");
                assertEquals(connecting.cause(), waiter.cause());
            }
        }
    }

    @Test
    void whenATlsHandshakeFailsWithNoConnectionOpenTheQueuedRequestsFailWithIt() throws Exception {
        // Takes the TCP connects (the kernel's accept queue) and never answers the handshake, which times out.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            PoolSettings silentTls =
                    PoolLoop.settings("https://127.0.0.1:" + silent.getLocalPort(), 1, Duration.ZERO, 8);
            Future<OriginConnection> connecting = pool.acquire(silentTls);
            List<Future<OriginConnection>> queued = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                queued.add(pool.acquire(silentTls));
            }
            assertTrue(connecting.await(5, TimeUnit.SECONDS) && !connecting.isSuccess(), "its handshake timed out");
            afterTheLoopsCurrentTask();
            for (Future<OriginConnection> waiter : queued) {
                // Not one handshake timeout (1 s) after another, each in turn: at once, to be tried elsewhere.
                assertTrue(waiter.isDone(), "a queued request failed with the handshake");
                assertFalse(waiter.isSuccess());
            }
        }
    }

    @Test
    void anOpenTunnelDoesNotKeepTheQueueWaitingBehindFailedConnects() throws Exception {
        try (ServerSocket neverAccepts = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String authority = "127.0.0.1:" + neverAccepts.getLocalPort();
            PoolSettings oneSlot = PoolLoop.settings(authority, 1, Duration.ZERO, 8);
            // Connected in the kernel's accept queue, then a WebSocket tunnel: it has left the pool's count.
            OriginConnection tunnel = pool.borrow(oneSlot);
            pool.onLoop(() -> {
                tunnel.switchToRawBytes();
                return null;
            });
            List<Socket> fillers = fillAcceptQueue(neverAccepts);
            try {
                Future<OriginConnection> connecting = pool.acquire(oneSlot);
                Future<OriginConnection> queued = pool.acquire(oneSlot);
                assertTrue(connecting.await(5, TimeUnit.SECONDS) && !connecting.isSuccess(), "its connect timed out");
                afterTheLoopsCurrentTask();
                assertTrue(queued.isDone(), "the queued request failed with the connect");
                assertEquals(connecting.cause(), queued.cause());
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
                tunnel.channel().close();
            }
        }
    }

    /**
     * Returns once the pool's loop has finished the task it is running. The request that made a failed TCP connect
     * learns of it before the queue fails, later in the same task: waited for with a time bound instead (300 ms), a
     * loop descheduled between the two on a loaded machine could outlast the bound, though nothing was late.
     */
    private void afterTheLoopsCurrentTask() throws Exception {
        pool.onLoop(() -> null);
    }

    /** Connects until the listener's accept queue is full and a connect goes unanswered. */
    private static List<Socket> fillAcceptQueue(ServerSocket listener) throws Exception {
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(listener.getLocalSocketAddress(), 200);
                fillers.add(s);
            } catch (IOException queueFull) {
                s.close();
                return fillers;
            }
        }
        throw new IllegalStateException("the accept queue never filled");
    }
}
