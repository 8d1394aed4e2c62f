package dev.rampart.core.upstream.pool;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A model of the pool's documented rules (max-connections-per-endpoint, the bounded queue of waiters,
 * pool-max-connection-age, pool-max-requests-per-connection, an idle connection the upstream closes or sends
 * stray bytes on, and the idle time the upstream's closes teach) driven side by side with the real pool on real
 * loopback sockets and a moved ticker, in
 * random sequences by seed. After each step: the connections the pool counts are the model's and never more
 * than the limit; a connection handed out is open, not past its age or request count, and not one the upstream
 * closed; the waiters are served in order, each with a connection, a refusal or its cancel, never lost.
 * More seeds: {@code -Drampart.poolfuzz.seeds=200}; one seed again: {@code -Drampart.poolfuzz.seed=238}.
 */
class PoolModelFuzzTest {

    private static final int MAX_CONNECTIONS = 3;
    private static final int MAX_PENDING = 3;
    private static final long MAX_REQUESTS = 4;
    private static final Duration MAX_AGE = Duration.ofMinutes(10);
    private static final Duration POOL_IDLE = Duration.ofSeconds(60);
    private static final int STEPS = 150;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PoolLoop pool = new PoolLoop("pool-fuzz", DefaultAddressResolverGroup.INSTANCE, now::get);
    private HeldSocketsUpstream upstream;

    /** The model: idle connections most recently released first, the borrowed ones, the waiters in order. */
    private final Deque<OriginConnection> idle = new ArrayDeque<>();
    private final List<OriginConnection> borrowed = new ArrayList<>();
    private final Deque<Future<OriginConnection>> waiters = new ArrayDeque<>();
    /** When each connection was opened, on the ticker: the model's own record of ages. */
    private final Map<OriginConnection, Long> openedAt = new IdentityHashMap<>();
    /** When each idle connection went back to the pool, on the ticker. */
    private final Map<OriginConnection, Long> parkedAt = new IdentityHashMap<>();
    /**
     * The longest an idle connection sat before the upstream closed it (a second or more; -1: none), and when that
     * was last seen (a close at least that less its margin sees it again): a connection idle for that less its
     * margin is not taken, for five minutes after.
     */
    private long longestIdleClose = -1;
    private long idleCloseSeenAt;
    /** Connections the model knows to be closed (by the pool or by the upstream): never handed out again. */
    private final Set<OriginConnection> gone = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final StringBuilder trace = new StringBuilder();

    static LongStream seeds() {
        Long one = Long.getLong("rampart.poolfuzz.seed");
        return one != null ? LongStream.of(one) : LongStream.rangeClosed(1, Long.getLong("rampart.poolfuzz.seeds", 12));
    }

    @AfterEach
    void stop() throws Exception {
        pool.close();
        if (upstream != null) {
            upstream.close();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void thePoolFollowsTheModel(long seed) throws Exception {
        upstream = new HeldSocketsUpstream();
        PoolSettings settings = new PoolSettings(EndpointAddress.parse(upstream.authority()), Duration.ofSeconds(1),
                MAX_CONNECTIONS, POOL_IDLE, MAX_AGE, MAX_PENDING, UpstreamTlsConfig.DEFAULT, MAX_REQUESTS);
        Random random = new Random(seed);
        for (int step = 0; step < STEPS; step++) {
            int op = random.nextInt(100);
            if (op < 35) {
                acquire(settings);
            } else if (op < 65 && !borrowed.isEmpty()) {
                release(borrowed.get(random.nextInt(borrowed.size())), random.nextInt(5) > 0);
            } else if (op < 75) {
                long by = (long) (random.nextDouble() * MAX_AGE.toNanos() * 0.4);
                now.addAndGet(by);
                trace.append("advance ").append(by / 1_000_000_000L).append("s\n");
            } else if (op < 83 && !idle.isEmpty()) {
                upstreamEndsIdle(pick(idle, random), random.nextBoolean());
            } else if (op < 90 && !borrowed.isEmpty()) {
                upstreamClosesBorrowed(borrowed.get(random.nextInt(borrowed.size())));
            } else if (op < 96 && !waiters.isEmpty()) {
                cancelWaiter(pick(waiters, random));
            } else {
                acquire(settings);
            }
            check(settings, "seed " + seed + " step " + step);
        }
        // The end: every borrowed connection comes back, and every waiter left is served.
        while (!borrowed.isEmpty()) {
            release(borrowed.get(0), true);
            check(settings, "seed " + seed + " draining");
        }
        assertTrue(waiters.isEmpty(), "no waiter is left without a connection\n" + trace);
    }

    private void acquire(PoolSettings settings) throws Exception {
        long t = now.get();
        // The model: the most recently released idle connection that is still young enough; older ones close.
        OriginConnection expectedIdle = null;
        while (!idle.isEmpty()) {
            OriginConnection c = idle.pollFirst();
            if (spent(c, t) || t - parkedAt.get(c) >= reusableIdle(t)) {
                gone.add(c);
                continue;
            }
            expectedIdle = c;
            break;
        }
        Future<OriginConnection> f = pool.acquire(settings);
        trace.append("acquire ").append(expectedIdle != null ? "idle" : "").append('\n');
        if (expectedIdle != null) {
            assertTrue(f.isSuccess(), "an idle connection is lent at once\n" + trace);
            assertSame(expectedIdle, f.getNow(), "the most recently released idle connection\n" + trace);
            handedOut(f.getNow(), t);
            return;
        }
        awaitClosesOfGone();
        // Waiters exist only while every slot is taken: a freed slot goes to the first of them at once.
        if (borrowed.size() < MAX_CONNECTIONS && waiters.isEmpty()) {
            assertTrue(f.await(5, TimeUnit.SECONDS) && f.isSuccess(), "a free slot opens a connection: " + f.cause()
                    + "\n" + trace);
            assertTrue(openedAt.get(f.getNow()) == null, "a new connection\n" + trace);
            openedAt.put(f.getNow(), now.get());
            handedOut(f.getNow(), t);
        } else if (waiters.size() < MAX_PENDING) {
            assertFalse(f.isDone(), "with every slot taken the request waits: " + f.cause() + "\n" + trace);
            waiters.addLast(f);
        } else {
            assertTrue(f.isDone() && !f.isSuccess(), "past max-pending, refused at once\n" + trace);
            assertInstanceOf(PoolExhaustedException.class, f.cause());
        }
    }

    private void release(OriginConnection c, boolean reusable) throws Exception {
        borrowed.remove(c);
        boolean closes = !reusable || spent(c, now.get());
        trace.append("release ").append(id(c)).append(reusable ? " reusable" : " not-reusable")
                .append(closes ? " (closes)" : "").append('\n');
        pool.release(c, reusable);
        if (closes) {
            gone.add(c);
            assertTrue(c.channel().closeFuture().await(5, TimeUnit.SECONDS), "a spent or broken connection closes\n" + trace);
            serveNext(null);
        } else if (!waiters.isEmpty()) {
            serveNext(c);
        } else {
            idle.addFirst(c);
            parkedAt.put(c, now.get());
        }
    }

    /** The first waiter gets {@code c}, or a new connection when {@code c} is null (a slot was freed). */
    private void serveNext(OriginConnection c) throws Exception {
        Future<OriginConnection> first = waiters.pollFirst();
        if (first == null) {
            return;
        }
        assertTrue(first.await(5, TimeUnit.SECONDS) && first.isSuccess(), "the first waiter is served: " + first.cause()
                + "\n" + trace);
        if (c != null) {
            assertSame(c, first.getNow(), "the released connection goes to the first waiter\n" + trace);
        } else {
            assertTrue(openedAt.get(first.getNow()) == null, "a freed slot opens a new connection for it\n" + trace);
            openedAt.put(first.getNow(), now.get());
        }
        handedOut(first.getNow(), now.get());
    }

    private void upstreamEndsIdle(OriginConnection c, boolean close) throws Exception {
        trace.append(close ? "upstream closes idle " : "upstream sends stray bytes on idle ").append(id(c)).append('\n');
        int port = ((InetSocketAddress) c.channel().localAddress()).getPort();
        if (close) {
            long idleFor = now.get() - parkedAt.get(c);
            if (idleFor >= SECOND) {
                if (forgotten(now.get()) || idleFor > longestIdleClose) {
                    longestIdleClose = idleFor;
                    idleCloseSeenAt = now.get();
                } else if (idleFor >= longestIdleClose - Math.min(SECOND, longestIdleClose / 2)) {
                    idleCloseSeenAt = now.get(); // a sooner close does not keep the longer timer in memory
                }
            }
            assertTrue(upstream.close(port), "the upstream holds the connection of port " + port + "\n" + trace);
        } else {
            assertTrue(upstream.sendStray(port), "the upstream holds the connection of port " + port + "\n" + trace);
        }
        assertTrue(c.channel().closeFuture().await(5, TimeUnit.SECONDS), "the pool closes the idle connection\n" + trace);
        idle.remove(c);
        gone.add(c);
    }

    private void upstreamClosesBorrowed(OriginConnection c) throws Exception {
        trace.append("upstream closes borrowed ").append(id(c)).append('\n');
        assertTrue(upstream.close(((InetSocketAddress) c.channel().localAddress()).getPort()), "the upstream holds it\n" + trace);
        // The borrower sees the close (no listener is bound in this test: the pipeline closes the channel when
        // the read ends) and gives the connection back broken, as an exchange does.
        pool.onLoop(() -> c.channel().read());
        pool.release(c, false);
        borrowed.remove(c);
        gone.add(c);
        assertTrue(c.channel().closeFuture().await(5, TimeUnit.SECONDS), "a broken connection closes\n" + trace);
        serveNext(null);
    }

    private void cancelWaiter(Future<OriginConnection> w) throws Exception {
        trace.append("cancel waiter\n");
        pool.onLoop(() -> w.cancel(false));
        waiters.remove(w);
    }

    private void handedOut(OriginConnection c, long t) throws Exception {
        assertFalse(gone.contains(c), "a closed connection is never handed out\n" + trace);
        assertTrue(c.channel().isActive(), "a connection handed out is open\n" + trace);
        assertTrue(c.requests() < MAX_REQUESTS, "handed out after its last allowed request\n" + trace);
        assertTrue(t - openedAt.get(c) < MAX_AGE.toNanos(), "handed out past its age\n" + trace);
        pool.onLoop(() -> {
            c.bind(new IgnoringOriginListener());
            return null;
        });
        borrowed.add(c);
    }

    private void awaitClosesOfGone() throws Exception {
        for (OriginConnection c : gone) {
            assertTrue(c.channel().closeFuture().await(5, TimeUnit.SECONDS), "a connection the model closed closes\n" + trace);
        }
    }

    private void check(PoolSettings settings, String where) throws Exception {
        awaitClosesOfGone();
        int expectedOpen = borrowed.size() + idle.size();
        int open = pool.onLoop(() -> pool.pools.openConnections(settings));
        assertEquals(expectedOpen, open, where + ": connections the pool counts\n" + trace);
        assertTrue(open <= MAX_CONNECTIONS, where + ": within max-connections-per-endpoint\n" + trace);
        assertTrue(waiters.isEmpty() || idle.isEmpty(), where + ": nobody waits while a connection is idle\n" + trace);
        for (Future<OriginConnection> w : waiters) {
            assertFalse(w.isDone(), where + ": a waiter is served only in its turn: " + w.cause() + "\n" + trace);
        }
        for (OriginConnection c : idle) {
            assertTrue(c.channel().isActive(), where + ": an idle connection is open\n" + trace);
        }
        awaitUntil(() -> upstream.open() == expectedOpen,
                where + ": the upstream holds as many connections as the pool (" + expectedOpen + ")");
    }

    private void awaitUntil(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail(what + " (upstream has " + upstream.open() + ")\n" + trace);
            }
            Thread.sleep(2);
        }
    }

    private static final long SECOND = 1_000_000_000L;

    /**
     * How long an idle connection may have sat and still be taken: within pool-idle-timeout less its margin (the
     * pool's own timer runs in real time, which the moved ticker outruns), and after the upstream's idle closes.
     */
    private long reusableIdle(long t) {
        long withinPoolIdle = POOL_IDLE.toNanos() - SECOND;
        return forgotten(t) ? withinPoolIdle
                : Math.min(withinPoolIdle, longestIdleClose - Math.min(SECOND, longestIdleClose / 2));
    }

    private boolean forgotten(long t) {
        return longestIdleClose < 0 || t - idleCloseSeenAt >= 300 * SECOND;
    }

    private boolean spent(OriginConnection c, long t) {
        return t - openedAt.get(c) >= MAX_AGE.toNanos() || c.requests() >= MAX_REQUESTS;
    }

    private static <T> T pick(Deque<T> from, Random random) {
        int n = random.nextInt(from.size());
        for (T item : from) {
            if (n-- == 0) {
                return item;
            }
        }
        throw new AssertionError();
    }

    private final Map<OriginConnection, Integer> ids = new IdentityHashMap<>();

    private String id(OriginConnection c) {
        return "#" + ids.computeIfAbsent(c, k -> ids.size() + 1);
    }
}
