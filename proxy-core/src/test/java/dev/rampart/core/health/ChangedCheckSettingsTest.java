package dev.rampart.core.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.ExpectedStatuses;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reload that changes an endpoint's check settings builds the new verdict from the old one first and swaps the
 * checks afterwards (TLS is readied in between): what the old check counted meanwhile must not be lost. The
 * probe the old check has in flight counts under the new one, judged as the check that sent it would.
 */
class ChangedCheckSettingsTest {

    private static final EndpointAddress ADDRESS = EndpointAddress.parse("10.0.0.1:80");
    private static final PoolSettings SETTINGS = new PoolSettings(ADDRESS, Duration.ofSeconds(1), 8,
            Duration.ofSeconds(30), Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    // Probes that never end: only what the test records counts.
    private final HealthChecks checks = new HealthChecks(loops,
            (loop, settings, path, host, timeout, sequence, kept) -> loop.newPromise(), () -> 0L, upstream -> false);

    @AfterEach
    void stop() {
        checks.close();
        loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void whatTheOldCheckCountedAfterTheNewOneWasBuiltCarriesOn() {
        HealthCheckConfig before = new HealthCheckConfig("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 2, 2);
        HealthCheckConfig after = new HealthCheckConfig("/healthz", Duration.ofSeconds(5), Duration.ofSeconds(1), 3, 2);
        EndpointHealth old = checks.healthOf("app", ADDRESS, Optional.of(before));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, before, old)), (upstream, endpoint) -> true);

        EndpointHealth built = checks.healthOf("app", ADDRESS, Optional.of(after)); // the reload's new config
        assertTrue(built.healthy());
        old.recordFailure(); // the old check, still running, counts two failures
        old.recordFailure();
        assertFalse(old.healthy());
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, after, built)), (upstream, endpoint) -> true);

        assertFalse(built.healthy(), "the verdict the old check reached before it stopped");
        built.recordSuccess();
        built.recordSuccess();
        assertFalse(built.healthy(), "three passes in a row under the new settings, not two");
        built.recordSuccess();
        assertTrue(built.healthy());
    }

    @Test
    void aProbeInFlightAtTheChangeIsJudgedByTheStatusesOfTheCheckThatSentIt() {
        List<Promise<Integer>> probes = new CopyOnWriteArrayList<>();
        HealthChecks controlled = answeredOnCue(probes);
        try {
            HealthCheckConfig only200 = checkExpecting(new ExpectedStatuses.Range(200, 200));
            HealthCheckConfig only204 = checkExpecting(new ExpectedStatuses.Range(204, 204));
            EndpointHealth old = checkedBy(controlled, only200);
            Await.until(() -> probes.size() == 1, "the first probe, asking for a 200");
            old.recordFailure();
            assertFalse(old.healthy());

            EndpointHealth built = checkedBy(controlled, only204);
            probes.get(0).setSuccess(200); // the answer the old check asked for, to its path and Host

            Await.until(built::healthy, "the 200 passes the check that sent the probe, though the new one wants 204");
        } finally {
            controlled.close();
        }
    }

    @Test
    void aProbeTakenOverByTwoReloadsInARowIsStillJudgedByTheCheckThatSentIt() {
        List<Promise<Integer>> probes = new CopyOnWriteArrayList<>();
        HealthChecks controlled = answeredOnCue(probes);
        try {
            HealthCheckConfig only200 = checkExpecting(new ExpectedStatuses.Range(200, 200));
            HealthCheckConfig only204 = checkExpecting(new ExpectedStatuses.Range(204, 204));
            HealthCheckConfig only299 = checkExpecting(new ExpectedStatuses.Range(299, 299));
            EndpointHealth first = checkedBy(controlled, only200);
            Await.until(() -> probes.size() == 1, "the first probe, asking for a 200");
            first.recordFailure();
            assertFalse(first.healthy());

            // Two reloads before the probe answers: the second takes it over from a check that had taken it over.
            checkedBy(controlled, only204);
            EndpointHealth third = checkedBy(controlled, only299);
            probes.get(0).setSuccess(200); // the answer the first check asked for, to its path and Host

            Await.until(third::healthy, "the 200 passes the check that sent the probe, not the one that took it over");
        } finally {
            controlled.close();
        }
    }

    /** Health checks whose probes each add a promise to {@code probes}, which the test completes when it chooses. */
    private HealthChecks answeredOnCue(List<Promise<Integer>> probes) {
        return new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            Promise<Integer> probe = loop.newPromise();
            probes.add(probe);
            return probe;
        }, () -> 0L, upstream -> false);
    }

    /** The endpoint's health under {@code check}, now run by {@code checks} (a reload to it, after the first). */
    private static EndpointHealth checkedBy(HealthChecks checks, HealthCheckConfig check) {
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health)), (upstream, endpoint) -> true);
        return health;
    }

    /** One result decides; no second probe within the test. */
    private static HealthCheckConfig checkExpecting(ExpectedStatuses.Range range) {
        return new HealthCheckConfig("/healthz", Duration.ofHours(1), Duration.ofSeconds(1), 1, 1, true,
                ExpectedStatuses.of(List.of(range)), Optional.empty());
    }
}
