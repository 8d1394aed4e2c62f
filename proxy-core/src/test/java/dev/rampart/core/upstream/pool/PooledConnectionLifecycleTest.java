package dev.rampart.core.upstream.pool;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.TlsHandshakeConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The life of a pooled connection against a real upstream: the limits that bound a pool (max-pending,
 * max-requests, idle timeout), the slots that closes and failed connects give back to waiting requests, what a
 * reload retires, and what a connection whose request was not sent whole must not be reused for. Time is the
 * pool's ticker, moved by the test.
 */
class PooledConnectionLifecycleTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PoolLoop pool = new PoolLoop("pool-lifecycle-test", DefaultAddressResolverGroup.INSTANCE, now::get);

    @AfterEach
    void stop() {
        pool.close();
        upstream.close();
    }

    @Test
    void aRequestBeyondMaxPendingFailsAtOnceWithPoolExhausted() throws Exception {
        PoolSettings oneSlotOneWaiter = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);
        OriginConnection lent = pool.borrow(oneSlotOneWaiter);
        Future<OriginConnection> waiting = pool.acquire(oneSlotOneWaiter);
        assertFalse(waiting.isDone(), "the first extra request waits, as max-pending = 1 allows");

        Future<OriginConnection> beyond = pool.acquire(oneSlotOneWaiter);
        assertTrue(beyond.isDone(), "max-pending is full: no wait, an answer at once");
        assertInstanceOf(PoolExhaustedException.class, beyond.cause());

        pool.release(lent, true);
        assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess(), "the waiter still gets the connection");
        pool.release(waiting.getNow(), true);
    }

    @Test
    void aWaiterGetsANewConnectionWhenTheBorrowedOneClosesInsteadOfComingBack() throws Exception {
        PoolSettings oneSlot = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 4);
        OriginConnection lent = pool.borrow(oneSlot);
        Future<OriginConnection> waiting = pool.acquire(oneSlot);
        assertFalse(waiting.isDone(), "the only slot is taken");

        pool.release(lent, false); // its exchange failed: the connection closes, its slot is freed

        assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess(), "the freed slot serves the waiter: "
                + waiting.cause());
        assertNotSame(lent.channel(), waiting.getNow().channel(), "a new connection, not the closed one");
        assertTrue(waiting.getNow().channel().isActive());
        pool.release(waiting.getNow(), true);
    }

    @Test
    void aConnectionThatCarriedMaxRequestsIsClosedOnReleaseAndNotReused() throws Exception {
        PoolSettings twoPerConnection = new PoolSettings(EndpointAddress.parse(upstream.authority()),
                Duration.ofSeconds(1), 4, Duration.ofSeconds(30), Duration.ZERO, 4, UpstreamTlsConfig.DEFAULT, 2);
        OriginConnection first = pool.borrow(twoPerConnection);
        bind(first);
        pool.release(first, true);
        OriginConnection second = pool.borrow(twoPerConnection);
        assertSame(first, second, "one request carried, one more allowed: reused");
        bind(second);
        assertEquals(2, second.requests());
        pool.release(second, true);

        assertTrue(second.channel().closeFuture().await(5, TimeUnit.SECONDS), "two requests carried: closed on release");
        OriginConnection third = pool.borrow(twoPerConnection);
        assertNotSame(first, third, "the next request gets a new connection");
        pool.release(third, true);
    }

    @Test
    void aFailedConnectGivesItsSlotBack() throws Exception {
        PoolSettings refused = PoolLoop.settings("127.0.0.1:" + FakeUpstream.refusingPort(), 1, Duration.ZERO, 4);
        for (int attempt = 1; attempt <= 3; attempt++) {
            Future<OriginConnection> acquired = pool.acquire(refused);
            assertTrue(acquired.await(5, TimeUnit.SECONDS), "attempt " + attempt + " is answered, not left waiting");
            assertFalse(acquired.isSuccess());
            assertFalse(acquired.cause() instanceof PoolExhaustedException,
                    "attempt " + attempt + " tried to connect, its slot not held by a failed one: " + acquired.cause());
            assertEquals(0, (int) pool.onLoop(() -> pool.pools.openConnections(refused)), "no slot counted as open");
        }
    }

    @Test
    void aConnectionOpenedForARequestThatWentAwayIsKeptForTheNext() throws Exception {
        PoolSettings oneSlot = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);
        pool.onLoop(() -> pool.pools.acquire(pool.loop, oneSlot).cancel(false)); // the client left during the connect
        assertTrue(awaitOpen(oneSlot, 1), "the connect goes on");

        Future<OriginConnection> next = pool.acquire(oneSlot);
        assertTrue(next.await(5, TimeUnit.SECONDS) && next.isSuccess(), "the only slot's connection serves the next "
                + "request, not held for the one that went away: " + next.cause());
        assertEquals(1, upstream.connectionsAccepted(), "the connection made for nobody is the one reused");
        pool.release(next.getNow(), true);
    }

    @Test
    void aReloadClosesTheIdleConnectionsOfRetiredSettingsAndKeepsThoseInUse() throws Exception {
        PoolSettings retired = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);
        PoolSettings kept = PoolLoop.settings(upstream.authority(), 8, Duration.ZERO, 4);
        Channel retiredIdle = borrowAndRelease(retired);
        Channel keptIdle = borrowAndRelease(kept);

        pool.onLoop(() -> {
            pool.pools.retainOnly(Set.of(kept)); // the reload
            return null;
        });

        assertTrue(retiredIdle.closeFuture().await(5, TimeUnit.SECONDS),
                "an idle connection made under settings no config uses is closed, not left open");
        assertFalse(keptIdle.closeFuture().await(300, TimeUnit.MILLISECONDS), "one under settings still in use stays");
        assertSame(keptIdle, borrowAndRelease(kept), "and is reused by the next request");
    }

    @Test
    void aConnectionIdleInThePoolLongerThanTheIdleTimeoutIsClosed() throws Exception {
        PoolSettings shortIdle = new PoolSettings(EndpointAddress.parse(upstream.authority()), Duration.ofSeconds(1), 4,
                Duration.ofMillis(200), Duration.ZERO, 4, UpstreamTlsConfig.DEFAULT);
        Channel idle = borrowAndRelease(shortIdle);
        assertTrue(idle.closeFuture().await(5, TimeUnit.SECONDS), "pool-idle-timeout closes a parked connection");
        assertEquals(0, (int) pool.onLoop(() -> pool.pools.openConnections(shortIdle)), "and frees its slot");
        assertNotSame(idle, borrowAndRelease(shortIdle), "the next request gets a new connection");
    }

    @Test
    void aConnectionWhoseRequestBodyWasNotSentWholeIsClosedAndItsHeldPartsReleased() throws Exception {
        PoolSettings settings = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);
        OriginConnection conn = pool.borrow(settings);
        ByteBuf part = Unpooled.copiedBuffer("half a body", StandardCharsets.US_ASCII);
        pool.onLoop(() -> {
            conn.bind(new IgnoringOriginListener());
            conn.holdBody(new DefaultHttpContent(part)); // held for a flush that never came: the attempt ended
            return null;
        });

        pool.release(conn, true); // the exchange thought the response complete

        assertTrue(conn.channel().closeFuture().await(5, TimeUnit.SECONDS),
                "the upstream waits for the rest of the body: the connection cannot carry another request");
        assertEquals(0, part.refCnt(), "the held part is released");
        assertNotSame(conn, pool.borrow(settings), "the next request gets a new connection");
    }

    @Test
    void aConnectionThatClosesWhileHoldingBodyPartsReleasesThem() throws Exception {
        PoolSettings settings = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);
        OriginConnection conn = pool.borrow(settings);
        ByteBuf part = Unpooled.copiedBuffer("held", StandardCharsets.US_ASCII);
        pool.onLoop(() -> {
            conn.bind(new IgnoringOriginListener());
            conn.holdBody(new DefaultHttpContent(part));
            return null;
        });

        pool.onLoop(() -> conn.channel().close()).await(5, TimeUnit.SECONDS); // the upstream went away
        assertEquals(0, pool.onLoop(part::refCnt), "the parts held for it are released when it closes");
        pool.release(conn, false);
    }

    @Test
    void theTimeAConnectionSatIdleIsMeasuredAndAHandOverIsNoIdleTime() throws Exception {
        PoolSettings oneSlot = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 4);
        OriginConnection conn = pool.borrow(oneSlot);
        assertEquals(0, conn.idleBeforeUseNanos(), "a fresh connection sat nowhere");
        pool.release(conn, true);
        now.addAndGet(Duration.ofSeconds(7).toNanos());
        assertSame(conn, pool.borrow(oneSlot));
        assertEquals(Duration.ofSeconds(7).toNanos(), conn.idleBeforeUseNanos(), "seven seconds in the pool");

        Future<OriginConnection> waiting = pool.acquire(oneSlot);
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        pool.release(conn, true);
        assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess());
        assertSame(conn, waiting.getNow());
        assertEquals(0, conn.idleBeforeUseNanos(), "handed from one request to the waiting one: no time idle");
        pool.release(conn, true);
    }

    @Test
    void aRequestThatComesToWaitHasADrainGivenUpForIt() throws Exception {
        PoolSettings oneSlotNoQueue = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 0);
        OriginConnection draining = pool.borrow(oneSlotNoQueue);
        assertTrue(pool.onLoop(draining::draining), "no request waits: the body nobody reads may be drained");

        Future<OriginConnection> next = pool.acquire(oneSlotNoQueue);
        assertFalse(next.isDone() && !next.isSuccess(), "max-pending 0, but a drain's slot is as good as free: "
                + next.cause());
        assertTrue(draining.channel().closeFuture().await(5, TimeUnit.SECONDS), "the drain is given up for the request");
        assertTrue(next.await(5, TimeUnit.SECONDS) && next.isSuccess(), "which gets a connection in its slot");
        assertNotSame(draining.channel(), next.getNow().channel());
        pool.release(draining, false);
        pool.release(next.getNow(), true);
    }

    @Test
    void noDrainWhileARequestWaitsForAConnection() throws Exception {
        PoolSettings oneSlot = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);
        OriginConnection lent = pool.borrow(oneSlot);
        Future<OriginConnection> waiting = pool.acquire(oneSlot);
        assertFalse(pool.onLoop(lent::draining), "a request waits: the connection's slot goes to it, not to a drain");
        pool.release(lent, true);
        assertTrue(waiting.await(5, TimeUnit.SECONDS) && waiting.isSuccess());
        pool.release(waiting.getNow(), true);
    }

    @Test
    void aTrustFileThatNowHoldsAnotherCaRetiresTheConnectionsCheckedAgainstTheOldOne(@TempDir Path dir) throws Exception {
        TestCertificates server = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", "dns:localhost");
        Path trustFile = Files.copy(server.certChain(), dir.resolve("trust.pem"));
        UpstreamTlsConfig trust = new UpstreamTlsConfig(Optional.of(trustFile), true, Optional.empty(),
                TlsHandshakeConfig.DEFAULT);
        try (FakeUpstream tls = FakeUpstream.startTls(UpstreamBehavior.ok("ok"), server.serverContext())) {
            PoolSettings https = new PoolSettings(EndpointAddress.parse("https://localhost:" + tls.port()),
                    ProxyHarness.COLD_TLS_HANDSHAKE, 4, Duration.ofSeconds(30), Duration.ZERO, 4, trust);
            Channel idle = borrowAndRelease(https);

            assertEquals(Set.of(), pool.pools.reloadTrust(), "a reload with the same trust file retires nothing");
            assertFalse(idle.closeFuture().await(300, TimeUnit.MILLISECONDS));
            assertSame(idle, borrowAndRelease(https), "the connection is still reused");

            PoolSettings plain = PoolLoop.settings(upstream.authority(), 4, Duration.ZERO, 4);
            Channel plainIdle = borrowAndRelease(plain);
            Files.copy(other.certChain(), trustFile, StandardCopyOption.REPLACE_EXISTING); // the old CA pulled
            assertEquals(Set.of(trust), pool.pools.reloadTrust());
            assertTrue(idle.closeFuture().await(5, TimeUnit.SECONDS),
                    "a connection verified against a CA no longer trusted is closed, not reused");
            assertTrue(plainIdle.isActive(), "one under other TLS settings stays");
            assertSame(plainIdle, borrowAndRelease(plain));

            Files.copy(server.certChain(), trustFile, StandardCopyOption.REPLACE_EXISTING); // the CA trusted again
            OriginConnection again = pool.borrow(https);
            assertNotSame(idle, again.channel(), "a new connection, verified against the file as it is now");
            pool.release(again, true);
        }
    }

    @Test
    void theEventLoopsSharesOfAnEndpointsConnectionsAddUpToItsLimit() throws Exception {
        Transport transport = Transport.detect();
        EventLoopGroup group = transport.newEventLoopGroup(2, "pool-shares-test");
        OriginPools twoLoops = new OriginPools(transport, group, 2, DefaultAddressResolverGroup.INSTANCE, 8192,
                now::get, () -> { });
        try {
            EventLoop first = group.next();
            EventLoop second = group.next();
            assertNotSame(first, second);
            PoolSettings three = PoolLoop.settings(upstream.authority(), 3, Duration.ZERO, 4);
            assertTrue(acquireOn(twoLoops, first, three).isSuccess(), "the first loop's share is 2");
            assertTrue(acquireOn(twoLoops, first, three).isSuccess());
            assertTrue(acquireOn(twoLoops, second, three).isSuccess(), "the second loop's share is 1");

            Future<OriginConnection> beyondShare = second.submit(() -> twoLoops.acquire(second, three)).get(5,
                    TimeUnit.SECONDS);
            assertFalse(beyondShare.await(300, TimeUnit.MILLISECONDS),
                    "a fourth connection would pass max-connections-per-endpoint = 3: the request waits");
            assertEquals(3, twoLoops.openConnections(three));
            assertEquals(3, upstream.connectionsAccepted());
        } finally {
            twoLoops.closeAll();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static Future<OriginConnection> acquireOn(OriginPools pools, EventLoop loop, PoolSettings settings)
            throws Exception {
        Future<OriginConnection> acquired = loop.submit(() -> pools.acquire(loop, settings)).get(5, TimeUnit.SECONDS);
        assertTrue(acquired.await(5, TimeUnit.SECONDS), "answered");
        return acquired;
    }

    private Channel borrowAndRelease(PoolSettings settings) throws Exception {
        OriginConnection conn = pool.borrow(settings);
        pool.release(conn, true);
        return conn.channel();
    }

    private void bind(OriginConnection conn) throws Exception {
        pool.onLoop(() -> {
            conn.bind(new IgnoringOriginListener());
            return null;
        });
    }

    private boolean awaitOpen(PoolSettings settings, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (upstream.connectionsAccepted() == expected
                    && pool.onLoop(() -> pool.pools.openConnections(settings)) == expected) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }
}
