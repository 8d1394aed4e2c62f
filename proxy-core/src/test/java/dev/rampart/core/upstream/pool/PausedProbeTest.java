package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LoopStall;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamReply;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy stopped as a whole (SIGSTOP, a cgroup freezer, a paused VM) while a health probe waited: the answer that
 * came during the stop decides the probe, though its timeout fell due meanwhile too. Taken first, the timeout failed
 * the probe of a healthy endpoint, and enough such stops in a row took it out of rotation.
 */
class PausedProbeTest {

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aProbeAnsweredDuringAStopPassesRatherThanTimingOut(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        CompletableFuture<UpstreamReply> held = new CompletableFuture<>();
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (req.uri().equals("/warm")) {
                reply.send(200, "text/plain", "warm");
            } else {
                held.complete(reply); // answered by the test, during the stop
            }
        }));
        PoolLoop pool = closing.add(new PoolLoop("paused-probe", chosen, DefaultAddressResolverGroup.INSTANCE,
                Ticker.systemTicker()));
        LoopStall stall = closing.add(new LoopStall(chosen, pool.group));
        PoolSettings settings = PoolLoop.settings(upstream.authority(), 1, Duration.ZERO, 1);

        // A first probe loads the classes of the path, so that the held one reaches the upstream well within its
        // timeout.
        assertPassed(pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/warm", Duration.ofSeconds(10), 0)));

        Future<Integer> probe = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz",
                Duration.ofMillis(500), 1));
        UpstreamReply reply = held.get(10, TimeUnit.SECONDS);
        // The probe's timeout (500 ms) falls due during the stop, and the answer comes during it too.
        CountDownLatch resumed = stall.stall(1_500);
        reply.send(200, "text/plain", "ok");
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loop ran again");

        assertPassed(probe);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aNameResolvedDuringAStopIsConnectedToRatherThanTimedOut(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> reply.send(200, "text/plain", "ok")));
        HeldNameServer names = closing.add(new HeldNameServer());
        PoolLoop pool = closing.add(new PoolLoop("paused-resolve", chosen, resolvingWith(chosen, names.address()),
                Ticker.systemTicker()));
        LoopStall stall = closing.add(new LoopStall(chosen, pool.group));
        // Resolving the name may take connect-timeout (1 s); the probe as a whole has 10 s.
        PoolSettings settings = new PoolSettings(EndpointAddress.parse("probe.rampart.test:" + upstream.port()),
                Duration.ofSeconds(1), 1, Duration.ofSeconds(30), Duration.ZERO, 1, UpstreamTlsConfig.DEFAULT);

        Future<Integer> probe = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz",
                Duration.ofSeconds(10), 0));
        names.awaitQuery();
        // connect-timeout falls due during the stop, and the name's answer comes during it too.
        CountDownLatch resumed = stall.stall(2_500);
        names.answer();
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loop ran again");

        assertPassed(probe);
    }

    private static void assertPassed(Future<Integer> probe) throws InterruptedException {
        assertTrue(probe.await(15, TimeUnit.SECONDS), "the probe ended");
        assertTrue(probe.isSuccess(), "failed: " + probe.cause());
        assertEquals(200, probe.getNow());
    }

    /** Names resolved by {@code server} alone, as A records, with the resolver's own query timeout well beyond the test. */
    private static AddressResolverGroup<InetSocketAddress> resolvingWith(Transport transport, InetSocketAddress server) {
        return new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannelClass())
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(server))
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_ONLY)
                .searchDomains(List.of())
                .queryTimeoutMillis(30_000));
    }
}
