package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UnansweredListener;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opening pooled connections to a name with several addresses, and to a name whose resolution hangs. The
 * name service is a stand-in that answers with the test's addresses (or never); the connections are real.
 */
class EndpointConnectorTest {

    private final FakeUpstream first = FakeUpstream.start(UpstreamBehavior.ok("first"));
    private final FakeUpstream second = FakeUpstream.start(UpstreamBehavior.ok("second"));
    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "connector-test");
    private final EventLoop loop = group.next();
    private OriginPools pools;

    @AfterEach
    void stop() {
        if (pools != null) {
            pools.closeAll();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        first.close();
        second.close();
    }

    private PoolSettings settings(Duration connectTimeout) {
        return new PoolSettings(EndpointAddress.parse("svc.test:80"), connectTimeout, 8, Duration.ofSeconds(30),
                Duration.ZERO, 8, UpstreamTlsConfig.DEFAULT);
    }

    @Test
    void anAddressThatRefusesIsSkippedForTheNextOneOfTheName() throws Exception {
        pools = poolsResolvingTo(List.of(local(FakeUpstream.refusingPort()), local(second.port())));

        Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, settings(Duration.ofSeconds(1))));

        assertTrue(conn.await(5, TimeUnit.SECONDS) && conn.isSuccess(), "connected: " + conn.cause());
        assertEquals(second.port(), ((InetSocketAddress) conn.getNow().channel().remoteAddress()).getPort());
    }

    @Test
    void anIpv6LiteralIsConnectedToAsItIsNeverAskedOfTheNameService() throws Exception {
        // The name service would answer with the second upstream; the literal is the first one's address,
        // written as an IPv4-mapped IPv6 address with an IPv4 tail (a spelling Netty's resolver does not read).
        pools = poolsResolvingTo(List.of(local(second.port())));
        PoolSettings literal = new PoolSettings(EndpointAddress.parse("[0:0:0:0:0:ffff:127.0.0.1]:" + first.port()),
                Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ZERO, 8, UpstreamTlsConfig.DEFAULT);

        Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, literal));

        assertTrue(conn.await(5, TimeUnit.SECONDS) && conn.isSuccess(), "connected: " + conn.cause());
        assertEquals(first.port(), ((InetSocketAddress) conn.getNow().channel().remoteAddress()).getPort());
    }

    @Test
    void aHealthCheckAlsoSkipsAnAddressThatRefuses() throws Exception {
        pools = poolsResolvingTo(List.of(local(FakeUpstream.refusingPort()), local(second.port())));

        Future<Integer> status = onLoop(() -> pools.probe(loop, settings(Duration.ofSeconds(1)), "/healthz",
                Duration.ofSeconds(2), 0));

        assertTrue(status.await(5, TimeUnit.SECONDS) && status.isSuccess(), "probed: " + status.cause());
        assertEquals(200, status.getNow(), "the endpoint traffic reaches is healthy to its probe too");
    }

    @Test
    void successiveHealthChecksStartAtSuccessiveAddresses() throws Exception {
        try (FakeUpstream silent = FakeUpstream.start(UpstreamBehavior.hang())) { // takes a probe's whole time
            pools = poolsResolvingTo(List.of(local(silent.port()), local(second.port())));
            PoolSettings settings = settings(Duration.ofSeconds(1));

            for (int sequence = 0; sequence < 4; sequence++) {
                int n = sequence;
                Future<Integer> status = onLoop(() -> pools.probe(loop, settings, "/healthz", Duration.ofMillis(300), n));
                assertTrue(status.await(5, TimeUnit.SECONDS));
                assertEquals(n % 2 == 1, status.isSuccess(), "probe " + n + ": " + status.cause());
            }
        }
    }

    @Test
    void aProbeGivesEachAddressItsShareOfItsTimeSoOneWhoseConnectsGoUnansweredFailsNoProbe() throws Exception {
        try (UnansweredListener unanswered = UnansweredListener.start()) {
            pools = poolsResolvingTo(List.of(local(unanswered.port()), local(second.port())));
            PoolSettings settings = settings(Duration.ofSeconds(5));

            for (int sequence = 0; sequence < 2; sequence++) { // the first starts at the unanswered address
                int n = sequence;
                Future<Integer> status = onLoop(() -> pools.probe(loop, settings, "/healthz", Duration.ofMillis(800), n));
                assertTrue(status.await(5, TimeUnit.SECONDS));
                assertTrue(status.isSuccess(), "probe " + n + " went on to the address that answers: " + status.cause());
            }
        }
    }

    @Test
    void newConnectionsTakeTheAddressesOfANameInTurn() throws Exception {
        pools = poolsResolvingTo(List.of(local(first.port()), local(second.port())));
        PoolSettings settings = settings(Duration.ofSeconds(1));

        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 2; i++) { // both held at once: each is a new connection
            Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, settings));
            assertTrue(conn.await(5, TimeUnit.SECONDS) && conn.isSuccess(), "connected: " + conn.cause());
            ports.add(((InetSocketAddress) conn.getNow().channel().remoteAddress()).getPort());
        }

        assertEquals(Set.of(first.port(), second.port()), ports, "one connection to each address");
    }

    @Test
    void anAddressThatFailedIsTriedLastForTenSecondsWhileTheOthersTakeTheTurns() throws Exception {
        int dead = FakeUpstream.refusingPort();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        pools = new OriginPools(transport, group, 1,
                namesResolvingTo(List.of(local(dead), local(first.port()), local(second.port()))), 8192, now::get,
                () -> { });
        PoolSettings settings = settings(Duration.ofSeconds(1));

        // The first connection starts at the dead address and goes on to the next; the five after it share the
        // two that answer. Before, every third connection started at the dead one again (a whole connect-timeout
        // when it does not refuse but hangs), and the address after it got twice its share: 4 to 2.
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // all held at once: each is a new connection
            ports.add(remotePort(onLoop(() -> pools.acquire(loop, settings))));
        }
        assertEquals(3, ports.stream().filter(p -> p == first.port()).count(), "ports: " + ports);
        assertEquals(3, ports.stream().filter(p -> p == second.port()).count(), "ports: " + ports);

        // Ten seconds on, it takes its turn again: here it answers by then.
        now.addAndGet(EndpointConnector.FAILED_ADDRESS_HELD.toNanos());
        try (java.net.ServerSocket revived = new java.net.ServerSocket(dead, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            // The seventh new connection: the turns go round all three addresses again, from the first.
            assertEquals(dead, remotePort(onLoop(() -> pools.acquire(loop, settings))), "back in the turns");
        }
    }

    @Test
    void afterItsHoldOneConnectionProbesAFailedAddressWhileTheOthersKeepAvoidingIt() {
        AtomicLong now = new AtomicLong();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannelClass())
                .resolver(namesResolvingTo(List.of()));
        EndpointConnector connector = new EndpointConnector(loop, bootstrap, settings(Duration.ofSeconds(1)), now::get);
        InetSocketAddress dead = local(1);
        List<InetSocketAddress> addresses = List.of(dead, local(2), local(3));

        connector.remember(dead, false);
        assertEquals(dead, last(connector.inTurn(addresses)), "held: tried last");
        now.addAndGet(EndpointConnector.FAILED_ADDRESS_HELD.toNanos());
        assertEquals(dead, connector.inTurn(addresses).get(0), "the hold is over: this connection probes it first");
        // Under load many connections open while the probe is out (a hanging address takes a connect-timeout):
        // before, each of them tried the address first as well.
        for (int i = 0; i < 5; i++) {
            assertEquals(dead, last(connector.inTurn(addresses)), "the probe is out: the others still avoid it");
        }
        connector.remember(dead, false); // the probe failed: held again
        now.addAndGet(EndpointConnector.FAILED_ADDRESS_HELD.toNanos() / 2);
        assertEquals(dead, last(connector.inTurn(addresses)));
        now.addAndGet(EndpointConnector.FAILED_ADDRESS_HELD.toNanos() / 2);
        assertEquals(dead, connector.inTurn(addresses).get(0));
        connector.remember(dead, true); // the probe connected: in the turns again
        int firsts = 0;
        for (int i = 0; i < 3; i++) {
            firsts += connector.inTurn(addresses).get(0).equals(dead) ? 1 : 0;
        }
        assertEquals(1, firsts, "one turn in three");
    }

    private static InetSocketAddress last(List<InetSocketAddress> order) {
        return order.get(order.size() - 1);
    }

    private static int remotePort(Future<OriginConnection> conn) throws InterruptedException {
        assertTrue(conn.await(5, TimeUnit.SECONDS) && conn.isSuccess(), "connected: " + conn.cause());
        return ((InetSocketAddress) conn.getNow().channel().remoteAddress()).getPort();
    }

    @Test
    void aNameThatDoesNotResolveWithinTheConnectTimeoutIsAConnectTimeout() throws Exception {
        pools = poolsResolvingTo(null); // never answers
        long start = System.nanoTime();

        Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, settings(Duration.ofMillis(300))));

        assertTrue(conn.await(5, TimeUnit.SECONDS), "bounded by connect-timeout, not by the name service");
        assertInstanceOf(ConnectTimeoutException.class, conn.cause());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis >= 250 && millis < 3_000, "failed after " + millis + " ms (connect-timeout 300 ms)");
    }

    /**
     * A connection's connect time measures the round trip to its endpoint (the stale-connection window is a
     * few of them): a slow name service is no part of it, or every re-send would get that much more room.
     */
    @Test
    void aConnectionsConnectTimeLeavesOutTheNamesResolution() throws Exception {
        pools = new OriginPools(transport, group, 1, namesResolvingAfter(600, List.of(local(first.port()))), 8192,
                Ticker.systemTicker(), () -> { });

        Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, settings(Duration.ofSeconds(2))));

        assertTrue(conn.await(5, TimeUnit.SECONDS) && conn.isSuccess(), "connected: " + conn.cause());
        long millis = TimeUnit.NANOSECONDS.toMillis(conn.getNow().connectNanos());
        assertTrue(millis < 600, "a loopback connect, not the 600 ms lookup: " + millis + " ms");
    }

    @Test
    void aNameWithNoAddressIsAnUnknownHost() throws Exception {
        pools = poolsResolvingTo(List.of());

        Future<OriginConnection> conn = onLoop(() -> pools.acquire(loop, settings(Duration.ofSeconds(1))));

        assertTrue(conn.await(5, TimeUnit.SECONDS), "failed at once");
        assertInstanceOf(java.net.UnknownHostException.class, conn.cause());
    }

    /**
     * epoll reports events by descriptor number: a socket opened while the loop handles a batch of events
     * can take the number of one closed earlier in that batch and get its pending events (a read error on
     * a socket still connecting closed it). The socket is opened once the asking task is over.
     */
    @Test
    void theSocketIsOpenedAfterTheTaskThatAskedForItNotWithinIt() throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(transport.socketChannelClass())
                .resolver(namesResolvingTo(List.of(local(first.port()))));
        EndpointConnector connector = new EndpointConnector(loop, bootstrap, settings(Duration.ofSeconds(1)), null);
        AtomicBoolean inAskingTask = new AtomicBoolean();
        AtomicReference<Boolean> openedWithinIt = new AtomicReference<>();

        Future<Channel> connected = onLoop(() -> {
            inAskingTask.set(true);
            Future<Channel> opening = connector.connect(() -> {
                openedWithinIt.set(inAskingTask.get());
                return new ChannelInboundHandlerAdapter();
            });
            inAskingTask.set(false);
            return opening;
        });

        assertTrue(connected.await(5, TimeUnit.SECONDS) && connected.isSuccess(), "connected: " + connected.cause());
        assertEquals(Boolean.FALSE, openedWithinIt.get(), "opened after the task that asked, not inside it");
        connected.getNow().close().syncUninterruptibly();
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Pools whose name service answers every name with {@code addresses}, or never when null. */
    private OriginPools poolsResolvingTo(List<InetSocketAddress> addresses) {
        return new OriginPools(transport, group, 1, namesResolvingTo(addresses), 8192, Ticker.systemTicker(),
                () -> { });
    }

    /** A name service that answers every name with {@code addresses} at once, or never when null. */
    private static AddressResolverGroup<InetSocketAddress> namesResolvingTo(List<InetSocketAddress> addresses) {
        return namesResolvingAfter(0, addresses);
    }

    /** A name service that answers every name with {@code addresses} after {@code millis}, or never when null. */
    private static AddressResolverGroup<InetSocketAddress> namesResolvingAfter(long millis,
                                                                             List<InetSocketAddress> addresses) {
        return StandInNames.answering(() -> addresses, millis);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }
}
