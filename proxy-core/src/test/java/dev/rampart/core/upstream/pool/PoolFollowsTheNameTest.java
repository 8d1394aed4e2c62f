package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pool of an endpoint given by name stops reusing connections to an address the name has left. The name
 * service is a stand-in whose answer the test changes; the connections and upstreams are real.
 */
class PoolFollowsTheNameTest {

    private final FakeUpstream oldAddress = FakeUpstream.start(UpstreamBehavior.ok("old"));
    private final FakeUpstream newAddress = FakeUpstream.start(UpstreamBehavior.ok("new"));
    private final AtomicReference<List<InetSocketAddress>> answer =
            new AtomicReference<>(List.of(local(oldAddress.port())));
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PoolLoop pool = new PoolLoop("follow-test", StandInNames.answering(answer::get, 0), now::get);
    private final PoolSettings settings = PoolLoop.settings("orders.svc.test:8080", 8, Duration.ZERO, 8);

    @AfterEach
    void stop() {
        pool.close();
        oldAddress.close();
        newAddress.close();
    }

    @Test
    void anIdleConnectionToAnAddressTheNameLeftIsNotReused() throws Exception {
        OriginConnection before = pool.borrow(settings);
        assertEquals(oldAddress.port(), port(before));
        pool.release(before, true);

        answer.set(List.of(local(newAddress.port())));
        assertSame(before, reborrow(), "asked again only every " + LastAnswer.REFRESH + ": the idle one is reused");
        now.addAndGet(LastAnswer.REFRESH.toNanos());
        assertSame(before, reborrow(), "missing from one answer: kept (a name may answer with a few of many)");

        now.addAndGet(LastAnswer.REFRESH.toNanos());
        OriginConnection after = pool.borrow(settings);
        assertEquals(newAddress.port(), port(after), "missing from two answers in a row: the next request goes"
                + " where the name now points");
        assertTrue(before.channel().closeFuture().await(5, TimeUnit.SECONDS), "the one to the old address is closed");
        pool.release(after, true);
    }

    @Test
    void aConnectionBusyWhenTheNameMovedIsClosedOnItsRelease() throws Exception {
        OriginConnection busy = pool.borrow(settings);
        answer.set(List.of(local(newAddress.port())));
        for (int i = 0; i < 2; i++) {
            now.addAndGet(LastAnswer.REFRESH.toNanos());
            pool.release(pool.borrow(settings), true); // asks the name again; a new connection, to the new address
        }

        pool.release(busy, true);
        assertTrue(busy.channel().closeFuture().await(5, TimeUnit.SECONDS), "not kept idle for reuse");
        assertEquals(newAddress.port(), port(reborrow()), "the one to the address the name has is kept");
    }

    @Test
    void aNameThatAnswersWithADifferentFewOfItsAddressesEachTimeKeepsItsConnections() throws Exception {
        answer.set(List.of(local(oldAddress.port()), local(newAddress.port())));
        OriginConnection first = pool.borrow(settings);
        OriginConnection second = pool.borrow(settings); // held together: one to each address
        assertEquals(Set.of(oldAddress.port(), newAddress.port()), Set.of(port(first), port(second)));
        pool.release(first, true);
        pool.release(second, true);

        for (int i = 0; i < 6; i++) { // Consul, Route 53 multivalue: one of the two each time
            answer.set(List.of(local((i % 2 == 0 ? oldAddress : newAddress).port())));
            now.addAndGet(LastAnswer.REFRESH.toNanos());
            OriginConnection a = pool.borrow(settings);
            OriginConnection b = pool.borrow(settings);
            assertEquals(Set.of(first, second), Set.of(a, b), "round " + i + ": no connection closed and opened again");
            pool.release(a, true);
            pool.release(b, true);
        }
    }

    @Test
    void aNameThatBrieflyResolvesToNothingKeepsItsConnections() throws Exception {
        OriginConnection before = pool.borrow(settings);
        pool.release(before, true);

        answer.set(List.of()); // a resolver that answered nothing usable
        for (int i = 0; i < 3; i++) {
            now.addAndGet(LastAnswer.REFRESH.toNanos());
            assertSame(before, reborrow(), "kept: a name that resolves to nothing for a moment must not cost the pool");
        }
        assertFalse(before.channel().closeFuture().isDone());
    }

    /** Borrows a connection and gives it back at once, reusable. */
    private OriginConnection reborrow() throws Exception {
        OriginConnection conn = pool.borrow(settings);
        pool.release(conn, true);
        return conn;
    }

    private static int port(OriginConnection conn) {
        return ((InetSocketAddress) conn.channel().remoteAddress()).getPort();
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
