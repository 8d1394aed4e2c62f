package dev.rampart.core.upstream.pool;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection a check keeps between its probes follows the endpoint's name as traffic's connections do. */
class ProbeFollowsTheNameTest {

    private final FakeUpstream oldAddress = FakeUpstream.start(UpstreamBehavior.ok("old"));
    private final FakeUpstream newAddress = FakeUpstream.start((req, reply) -> reply.send(503, "text/plain", "new"));
    private final AtomicReference<List<InetSocketAddress>> answer =
            new AtomicReference<>(List.of(local(oldAddress.port())));
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final PoolLoop pool = new PoolLoop("probe-follow-test", StandInNames.answering(answer::get, 0), now::get);
    private final PoolSettings settings = PoolLoop.settings("orders.svc.test:8080", 8, Duration.ZERO, 8);
    private final KeptProbeConnection keeper = new KeptProbeConnection(now::get);

    @AfterEach
    void stop() {
        keeper.close();
        pool.close();
        oldAddress.close();
        newAddress.close();
    }

    /**
     * The old address still answers (a drained server, say) and the new one fails: a check that probed on over its
     * kept connection passed an endpoint whose traffic failed, for as long as the old address kept it open.
     */
    @Test
    void aProbeGoesWhereTheNameNowPointsNotOnTheConnectionToTheAddressItLeft() throws Exception {
        assertEquals(200, probe(), "the old address passes");
        answer.set(List.of(local(newAddress.port())));
        List<Integer> after = new java.util.ArrayList<>();
        for (int i = 0; i < 3 && !after.contains(503); i++) {
            now.addAndGet(LastAnswer.REFRESH.toNanos()); // the name is due to be asked again at each
            after.add(probe());
        }
        assertEquals(List.of(200, 503), after, "one probe on the kept connection (the name may answer with a"
                + " few of many addresses: one answer without it is not enough), then the new address");
        assertEquals(1, oldAddress.connectionsAccepted(), "the probes to the old address shared a connection");
        assertEquals(1, newAddress.requests().size());
    }

    private int probe() throws Exception {
        Future<Integer> status = pool.onLoop(() -> pool.pools.probe(pool.loop, settings, "/healthz",
                Duration.ofSeconds(2), 0, keeper.use()));
        assertTrue(status.await(5, TimeUnit.SECONDS), "the probe ended");
        assertTrue(status.isSuccess(), "answered: " + status.cause());
        return status.getNow();
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }
}
