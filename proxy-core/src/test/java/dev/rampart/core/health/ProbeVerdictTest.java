package dev.rampart.core.health;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.upstream.pool.KeptProbeConnection;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a probe's answer makes of an endpoint's verdict (a 2xx passes, nothing else does), and what each probe is
 * asked to do: the configured path, timeout and connection reuse, one interval after the last one ended.
 */
class ProbeVerdictTest {

    private static final EndpointAddress ADDRESS = EndpointAddress.parse("10.0.0.1:80");
    private static final PoolSettings SETTINGS = new PoolSettings(ADDRESS, Duration.ofSeconds(1), 8,
            Duration.ofSeconds(30), Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private HealthChecks checks;

    private record Call(String path, Duration timeout, int sequence, KeptProbeConnection.Use kept, long atNanos) {
    }

    @AfterEach
    void stop() {
        if (checks != null) {
            checks.close();
        }
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Runs {@code check} on one endpoint whose n-th probe (from 0) is answered with {@code statuses}' status. */
    private EndpointHealth run(HealthCheckConfig check, IntFunction<Integer> statuses) {
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            calls.add(new Call(path, timeout, sequence, kept, System.nanoTime()));
            Integer status = statuses.apply(sequence);
            return status == null ? loop.newPromise() : loop.newSucceededFuture(status);
        }, System::nanoTime, upstream -> false);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health)), (upstream, endpoint) -> true);
        return health;
    }

    private static HealthCheckConfig everyTenMillis(int healthyThreshold, int unhealthyThreshold) {
        return new HealthCheckConfig("/healthz", Duration.ofMillis(10), Duration.ofSeconds(1), healthyThreshold,
                unhealthyThreshold);
    }

    /** The verdict after a failing first probe and then {@code status} twice: whether {@code status} passes. */
    private boolean passes(int status) {
        calls.clear();
        EndpointHealth health = run(everyTenMillis(1, 1), n -> n == 0 ? 500 : status);
        Await.until(() -> calls.size() >= 4, "four probes"); // the third result is recorded before the fourth probe
        checks.close();
        return health.healthy();
    }

    @Test
    void onlyA2xxAnswerPasses() {
        assertTrue(passes(200));
        assertTrue(passes(299));
        assertFalse(passes(199), "an informational status is no pass");
        assertFalse(passes(300), "nor is a redirect");
        assertFalse(passes(404));
    }

    @Test
    void aFailingEndpointReturnsOnlyAfterTheHealthyThresholdOfPassesInARow() {
        // fails twice, then passes: out after the second failure, back after the third pass in a row
        EndpointHealth health = run(everyTenMillis(3, 2), n -> n < 2 ? 503 : 200);
        Await.until(() -> calls.size() >= 6, "six probes");
        assertTrue(health.healthy());
        assertEquals(1, health.recoveries(), "one return to rotation");
    }

    @Test
    void oneFailureBelowTheUnhealthyThresholdKeepsTheEndpointInRotation() {
        EndpointHealth health = run(everyTenMillis(1, 2), n -> n % 2 == 0 ? 503 : 200);
        Await.until(() -> calls.size() >= 8, "eight probes, failing every other one");
        assertTrue(health.healthy(), "never two failures in a row");
        assertEquals(0, health.recoveries());
    }

    @Test
    void eachProbeAsksForTheConfiguredPathWithinTheConfiguredTimeoutOnTheKeptConnection() {
        HealthCheckConfig check = new HealthCheckConfig("/status/ready", Duration.ofMillis(10), Duration.ofMillis(1234),
                1, 1, true);
        run(check, n -> 200);
        Await.until(() -> calls.size() >= 3, "three probes");
        for (int i = 0; i < 3; i++) {
            Call call = calls.get(i);
            assertEquals("/status/ready", call.path());
            assertEquals(Duration.ofMillis(1234), call.timeout());
            assertEquals(i, call.sequence(), "successive probes start at successive addresses of a name");
            assertNotNull(call.kept(), "reuse-connection: the probe is offered the kept connection");
        }
    }

    @Test
    void aCheckThatAsksForAFreshConnectionEachTimeIsOfferedNone() {
        run(new HealthCheckConfig("/healthz", Duration.ofMillis(10), Duration.ofSeconds(1), 1, 1, false), n -> 200);
        Await.until(() -> calls.size() >= 2, "two probes");
        assertNull(calls.get(0).kept());
        assertNull(calls.get(1).kept());
    }

    @Test
    void probesComeOneIntervalAfterTheLastOneEnded() {
        run(new HealthCheckConfig("/healthz", Duration.ofMillis(150), Duration.ofSeconds(1), 1, 1), n -> 200);
        Await.until(() -> calls.size() >= 3, "three probes");
        for (int i = 1; i < 3; i++) {
            long gapMillis = (calls.get(i).atNanos() - calls.get(i - 1).atNanos()) / 1_000_000;
            assertTrue(gapMillis >= 140, "probe " + i + " came " + gapMillis + " ms after the one before");
        }
    }

    @Test
    void aProbeThatCannotStartIsAFailureAndTheChecksGoOn() {
        int[] attempts = {0};
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            attempts[0]++;
            calls.add(new Call(path, timeout, sequence, kept, System.nanoTime()));
            if (attempts[0] <= 2) {
                throw new IllegalStateException("cannot read the trust file");
            }
            return loop.newSucceededFuture(200);
        }, System::nanoTime, upstream -> false);
        HealthCheckConfig check = everyTenMillis(1, 2);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health)), (upstream, endpoint) -> true);
        Await.until(() -> calls.size() >= 4, "probes go on after two that could not start");
        assertTrue(health.healthy(), "back after the third probe passed");
        assertEquals(1, health.recoveries(), "it had been out: two failures in a row");
    }

    @Test
    void anEndpointWithoutACheckIsAlwaysHealthyAndTheSameCheckGivesTheSameHealth() {
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> loop.newPromise(),
                System::nanoTime, upstream -> false);
        assertTrue(checks.healthOf("app", ADDRESS, Optional.empty()).healthy());
        HealthCheckConfig check = everyTenMillis(2, 2);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        assertSame(health, checks.healthOf("app", ADDRESS, Optional.of(check)));
        assertFalse(health == checks.healthOf("other", ADDRESS, Optional.of(check)), "another upstream's is its own");
        checks.healthOf("aaa", ADDRESS, Optional.of(check));
        assertEquals(List.of("aaa", "app", "other"),
                checks.verdicts().stream().map(HealthChecks.Verdict::upstream).toList(), "sorted by upstream");
    }

    @Test
    void newCheckSettingsBuiltForAFailingEndpointStartFromItsVerdict() {
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> loop.newPromise(),
                System::nanoTime, upstream -> false);
        EndpointHealth before = checks.healthOf("app", ADDRESS, Optional.of(everyTenMillis(2, 1)));
        before.recordFailure();
        EndpointHealth after = checks.healthOf("app", ADDRESS, Optional.of(everyTenMillis(3, 1)));
        assertFalse(after.healthy(), "a retuned threshold does not put a failing endpoint back into rotation");
    }

    @Test
    void closedChecksProbeNoMore() throws Exception {
        run(everyTenMillis(1, 1), n -> 200);
        Await.until(() -> calls.size() >= 2, "two probes");
        checks.close();
        Thread.sleep(30); // a probe already handed to the loop may still go out
        int probes = calls.size();
        Thread.sleep(200); // twenty intervals
        assertEquals(probes, calls.size(), "no probe after close");
    }

    @Test
    void manyChecksStartingTogetherAllProbeWithinTheirFirstInterval() {
        int endpoints = 2 * HealthChecks.SPREAD_ABOVE;
        HealthCheckConfig check = new HealthCheckConfig("/healthz", Duration.ofMillis(500), Duration.ofSeconds(1), 1, 1);
        Set<Integer> probed = ConcurrentHashMap.newKeySet();
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            probed.add(settings.address().port());
            return loop.newPromise();
        }, System::nanoTime, upstream -> false);
        List<HealthChecks.Target> targets = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            EndpointAddress address = EndpointAddress.parse("10.0.0.1:" + (1000 + i));
            PoolSettings settings = new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30),
                    Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);
            targets.add(new HealthChecks.Target("app", settings, check, checks.healthOf("app", address,
                    Optional.of(check))));
        }
        long start = System.nanoTime();
        checks.run(targets, (upstream, endpoint) -> true);
        Await.until(() -> probed.size() == endpoints, "every endpoint probed once");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2_000, "spread over the 500 ms interval, not beyond it: " + millis + " ms");
    }

    @Test
    void aProbeThatEndsAfterItsCheckWasRemovedCountsForNothing() {
        List<Promise<Integer>> pending = Collections.synchronizedList(new ArrayList<>());
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            Promise<Integer> promise = loop.newPromise();
            pending.add(promise);
            return promise;
        }, System::nanoTime, upstream -> false);
        HealthCheckConfig check = everyTenMillis(1, 1);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health)), (upstream, endpoint) -> true);
        Await.until(() -> pending.size() == 1, "the probe in flight");
        checks.run(List.of(), (upstream, endpoint) -> true);
        Future<Integer> probe = pending.get(0);
        assertTrue(probe.isCancelled() || pending.get(0).tryFailure(new IOException("late")));
        assertTrue(health.healthy(), "the removed check's late failure took nobody out");
        assertEquals(List.of(), checks.verdicts(), "and the endpoint is no longer listed");
    }

    /**
     * A reload that removes the check while its probe is being sent (after the schedule saw it was not stopped,
     * before it recorded the probe as in flight) cancels that probe too: left to run to its timeout, it was a probe
     * to an endpoint no longer checked, beside the first probe of a check put back at once.
     */
    @Test
    void aProbeSentAsAReloadRemovesItsCheckIsCancelledToo() {
        List<Promise<Integer>> pending = Collections.synchronizedList(new ArrayList<>());
        checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
            checks.run(List.of(), (upstream, endpoint) -> true); // the reload, just as the probe goes out
            Promise<Integer> promise = loop.newPromise();
            pending.add(promise);
            return promise;
        }, System::nanoTime, upstream -> false);
        HealthCheckConfig check = everyTenMillis(1, 1);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health)), (upstream, endpoint) -> true);
        Await.until(() -> pending.size() == 1, "the probe sent");
        Await.until(() -> pending.get(0).isCancelled(), "the probe cancelled");
    }
}
