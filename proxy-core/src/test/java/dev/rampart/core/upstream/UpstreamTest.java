package dev.rampart.core.upstream;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.resilience.Bulkhead;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.EndpointSelectors;
import dev.rampart.core.upstream.pool.PoolSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which endpoint the pick may take, and what an upstream with none to take tells the client. */
class UpstreamTest {

    private final long[] now = {0};
    private final Ticker ticker = () -> now[0];
    private final CircuitBreakerConfig breakerConfig = new CircuitBreakerConfig(true, Duration.ofSeconds(10), 100,
            50, 1, Duration.ZERO, 100, Duration.ofSeconds(30), Duration.ofSeconds(60), 1);
    private final UpstreamConfig config = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"]");

    /** Upstream {@code app} with this body, parsed as a config file would be. */
    private static UpstreamConfig app(String body) {
        return ConfigLoader.parse("rampart { upstreams { app { " + body + " } }, routes = [ { upstream = app } ] }",
                "test.conf").upstreams().get("app");
    }

    private Endpoint endpoint(String authority, EndpointHealth health) {
        EndpointAddress address = EndpointAddress.parse(authority);
        return new Endpoint(address, poolOf(address), breaker(), health);
    }

    private static PoolSettings poolOf(EndpointAddress address) {
        return new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ZERO, 16,
                UpstreamTlsConfig.DEFAULT);
    }

    private CircuitBreaker breaker() {
        return CircuitBreaker.of(breakerConfig, ticker, CircuitBreaker.StateListener.NOOP);
    }

    private Endpoint healthyEndpoint(String authority) {
        return endpoint(authority, new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP));
    }

    private Upstream upstreamOf(Endpoint... endpoints) {
        return new Upstream(config, List.of(endpoints), EndpointSelectors.of(config.loadBalancing()), Bulkhead.of(100));
    }

    private static void open(CircuitBreaker breaker) {
        breaker.tryAcquirePermission();
        breaker.onFailure(1);
    }

    @Test
    void anEndpointFailingOnlyItsHealthCheckTakesTheTrafficWhileTheBreakerOfEveryHealthyOneIsOpen() {
        Endpoint healthyButOpen = endpoint("10.0.0.1:80", new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP));
        EndpointHealth failing = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        failing.recordFailure();
        Endpoint unhealthyButClosed = endpoint("10.0.0.2:80", failing);
        Upstream upstream = new Upstream(config, List.of(healthyButOpen, unhealthyButClosed),
                EndpointSelectors.of(config.loadBalancing()), Bulkhead.of(100));
        assertEquals(healthyButOpen, upstream.pick(List.of()), "health decides while a healthy endpoint admits");
        healthyButOpen.breaker().onSuccess(1);

        open(healthyButOpen.breaker());
        now[0] += Duration.ofSeconds(1).toNanos();

        assertTrue(upstream.admitsAny(), "panic mode: no healthy endpoint admits a call, so the breakers decide");
        assertEquals(unhealthyButClosed, upstream.pick(List.of()), "not an outage while one endpoint can serve");
        open(unhealthyButClosed.breaker());
        assertNull(upstream.pick(List.of()));
        assertFalse(upstream.admitsAny());
        assertEquals(29, upstream.secondsUntilFirstHalfOpen(), "when the first open breaker half-opens");
    }

    /**
     * With two endpoints, a retry that took a round-robin turn moved the rotation twice per failing request:
     * every request started on the failing endpoint and paid its failure and a retry.
     */
    @Test
    void retriesTakeNoRoundRobinTurnSoAFailingEndpointGetsOnlyItsShareOfFirstAttempts() {
        Endpoint failing = healthyEndpoint("10.0.0.1:80");
        Endpoint fine = healthyEndpoint("10.0.0.2:80");
        Upstream upstream = upstreamOf(failing, fine);
        int firstOnFailing = 0;
        for (int request = 0; request < 100; request++) {
            Endpoint first = upstream.pick(List.of());
            if (first == failing) {
                firstOnFailing++;
                assertEquals(fine, upstream.pick(List.of(failing)), "the retry goes to the other endpoint");
            }
        }
        assertEquals(50, firstOnFailing, "half the first attempts, as round-robin promises");
    }

    @Test
    void aHalfOpenEndpointWithItsProbeOutIsNotOneARetryCanGoTo() {
        Endpoint probing = healthyEndpoint("10.0.0.1:80");
        Endpoint refusing = healthyEndpoint("10.0.0.2:80");
        Upstream upstream = upstreamOf(probing, refusing);
        open(probing.breaker());
        now[0] += Duration.ofSeconds(30).toNanos();
        assertTrue(upstream.admitsAnyBesides(List.of(refusing)), "open past its period: a probe may go");

        assertTrue(probing.breaker().tryAcquirePermission(), "the one probe (half-open-probes = 1) is out");

        assertEquals(CircuitBreaker.State.HALF_OPEN, probing.breaker().state());
        assertFalse(upstream.admitsAnyBesides(List.of(refusing)),
                "no other endpoint can take a retry: the refused one must wait for its backoff");
        assertEquals(refusing, upstream.pick(List.of()));

        probing.breaker().onSuccess(1);

        assertTrue(upstream.admitsAnyBesides(List.of(refusing)), "closed by its probe: it takes calls again");
    }

    /** How many of {@code picks} new requests go to {@code endpoint}. */
    static int picksOf(Upstream upstream, Endpoint endpoint, int picks) {
        int taken = 0;
        for (int i = 0; i < picks; i++) {
            taken += upstream.pick(List.of()) == endpoint ? 1 : 0;
        }
        return taken;
    }

    @Test
    void anEndpointBackInRotationTakesAGrowingShareOverItsSlowStart() {
        UpstreamConfig slow = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"], slow-start = 10s");
        EndpointHealth flapping = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        Endpoint returning = endpoint("10.0.0.1:80", flapping);
        Endpoint steady = healthyEndpoint("10.0.0.2:80");
        Upstream upstream = new Upstream(slow, List.of(returning, steady), EndpointSelectors.of(slow.loadBalancing()),
                Bulkhead.of(100), ticker, new SplittableRandom(7));
        picksOf(upstream, returning, 10);
        now[0] += Duration.ofSeconds(10).toNanos();
        assertEquals(1000, picksOf(upstream, returning, 2000), "both warm: round robin's halves");

        flapping.recordFailure();
        assertEquals(0, picksOf(upstream, returning, 100), "out of rotation");
        flapping.recordSuccess();
        int atFirst = picksOf(upstream, returning, 4000);
        assertTrue(atFirst >= 120 && atFirst <= 300, atFirst + " of 4000 just back: about a tenth of its half");
        now[0] += Duration.ofSeconds(5).toNanos();
        int halfway = picksOf(upstream, returning, 4000);
        assertTrue(halfway >= 850 && halfway <= 1150, halfway + " of 4000 halfway: about half of its half");
        now[0] += Duration.ofSeconds(5).toNanos();
        assertEquals(2000, picksOf(upstream, returning, 4000), "warm again: its whole half");

        open(returning.breaker());
        now[0] += Duration.ofSeconds(30).toNanos(); // its open period: then a probe, which closes it
        assertTrue(returning.breaker().tryAcquirePermission());
        returning.breaker().onSuccess(1);
        assertEquals(CircuitBreaker.State.CLOSED, returning.breaker().state());
        int afterBreaker = picksOf(upstream, returning, 4000);
        assertTrue(afterBreaker >= 120 && afterBreaker <= 300, afterBreaker + " of 4000 after its breaker closed");
    }

    @Test
    void withoutSlowStartAnEndpointBackInRotationHasItsWholeShareAtOnce() {
        EndpointHealth flapping = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        Endpoint returning = endpoint("10.0.0.1:80", flapping);
        Upstream upstream = upstreamOf(returning, healthyEndpoint("10.0.0.2:80"));
        flapping.recordFailure();
        flapping.recordSuccess();
        assertEquals(1000, picksOf(upstream, returning, 2000));
    }

    private Endpoint endpointOf(String authority, EndpointLoads loads) {
        return endpointOf(authority, loads, new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP), false);
    }

    private Endpoint endpointOf(String authority, EndpointLoads loads, EndpointHealth health, boolean backup) {
        EndpointAddress address = EndpointAddress.parse(authority);
        return new Endpoint(address, poolOf(address), breaker(), health, loads.of("app", authority),
                loads.warmthOf("app", authority, ticker.read()), backup);
    }

    @Test
    void endpointsOfTheFirstConfigAreWarmAndSeveralJoiningAtOnceEachTakeAboutATenthOfTheirShare() {
        UpstreamConfig slow = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\", \"10.0.0.3:80\"], slow-start = 10s");
        EndpointLoads loads = new EndpointLoads();
        Endpoint first = endpointOf("10.0.0.1:80", loads);
        loads.started(); // a reload adds the other two
        Endpoint joining = endpointOf("10.0.0.2:80", loads);
        Endpoint alsoJoining = endpointOf("10.0.0.3:80", loads);
        Upstream upstream = new Upstream(slow, List.of(first, joining, alsoJoining),
                EndpointSelectors.of(slow.loadBalancing()), Bulkhead.of(100), ticker, new SplittableRandom(11));
        int[] taken = new int[3];
        for (int i = 0; i < 6000; i++) {
            Endpoint chosen = upstream.pick(List.of());
            taken[chosen == first ? 0 : chosen == joining ? 1 : 2]++;
        }
        for (int j = 1; j <= 2; j++) {
            assertTrue(taken[j] >= 120 && taken[j] <= 450, java.util.Arrays.toString(taken)
                    + ": each joining endpoint about a tenth of its third, not a turn another one passed on");
        }
        now[0] += Duration.ofSeconds(10).toNanos();
        assertEquals(2000, picksOf(upstream, joining, 6000), "warm: its whole third");

        Endpoint onlyWarming = endpointOf("10.0.0.9:80", loads);
        Upstream alone = new Upstream(slow, List.of(onlyWarming), EndpointSelectors.of(slow.loadBalancing()),
                Bulkhead.of(100), ticker, new SplittableRandom(3));
        assertEquals(100, picksOf(alone, onlyWarming, 100), "slow start never refuses a request");
    }

    @Test
    void anEndpointAReloadAddedLongerThanAWindowAgoIsWarmAtItsFirstRequestSlowStartOnThenOrNot() {
        UpstreamConfig slow = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"], slow-start = 10s");
        EndpointLoads loads = new EndpointLoads();
        Endpoint first = endpointOf("10.0.0.1:80", loads);
        loads.started();
        Endpoint added = endpointOf("10.0.0.2:80", loads); // by a reload, with or without slow-start then
        now[0] += Duration.ofSeconds(12).toNanos(); // no request for it since, or none looked at its warmth
        Upstream upstream = seeded(slow, 13, first, added);
        assertEquals(1000, picksOf(upstream, added, 2000), "its window ran from the reload: its whole half");
    }

    @Test
    void aHealthCheckAddedOrRemovedByAReloadIsNoReturnToRotation() {
        UpstreamConfig slow = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\"], slow-start = 10s");
        EndpointLoads loads = new EndpointLoads();
        EndpointHealth checked = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP, ticker);
        Endpoint recovered = endpointOf("10.0.0.1:80", loads, checked, false);
        Endpoint steady = endpointOf("10.0.0.2:80", loads);
        Upstream before = seeded(slow, 17, recovered, steady);
        checked.recordFailure();
        checked.recordSuccess();
        picksOf(before, recovered, 10);
        now[0] += Duration.ofSeconds(12).toNanos();
        assertEquals(1000, picksOf(before, recovered, 2000), "warm again");

        // A reload removes the check: the endpoint's verdict becomes the unchecked one, whose count of recoveries
        // is not the old check's. It never left rotation.
        Endpoint unchecked = endpointOf("10.0.0.1:80", loads, EndpointHealth.unchecked(), false);
        Upstream after = seeded(slow, 19, unchecked, endpointOf("10.0.0.2:80", loads));
        assertEquals(1000, picksOf(after, unchecked, 2000), "still its whole half");

        EndpointHealth newCheck = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP, ticker);
        Endpoint checkedAgain = endpointOf("10.0.0.1:80", loads, newCheck, false);
        Upstream later = seeded(slow, 23, checkedAgain, endpointOf("10.0.0.2:80", loads));
        assertEquals(1000, picksOf(later, checkedAgain, 2000), "a check added back is no return either");
        newCheck.recordFailure();
        newCheck.recordSuccess();
        int back = picksOf(later, checkedAgain, 4000);
        assertTrue(back >= 120 && back <= 300, back + " of 4000 when that check passes again: a return");
    }

    @Test
    void aBackupTakesRequestsOnlyWhileNoOtherEndpointCanAndRetriesReachItAfterThePrimaries() {
        UpstreamConfig withBackup = app("endpoints = [\"10.0.0.1:80\", \"10.0.0.2:80\","
                + " { address = \"10.0.0.3:80\", backup = true }]");
        EndpointLoads loads = new EndpointLoads();
        Endpoint one = endpointOf("10.0.0.1:80", loads);
        EndpointHealth twoHealth = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP);
        Endpoint two = endpointOf("10.0.0.2:80", loads, twoHealth, false);
        Endpoint backup = endpointOf("10.0.0.3:80", loads, new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP),
                withBackup.backup(EndpointAddress.parse("10.0.0.3:80")));
        Upstream upstream = new Upstream(withBackup, List.of(one, two, backup),
                EndpointSelectors.of(withBackup.loadBalancing()), Bulkhead.of(100));

        assertEquals(0, picksOf(upstream, backup, 100), "both primaries take every request");
        assertEquals(two, upstream.pick(List.of(one)), "a retry goes to the other primary first");
        assertEquals(backup, upstream.pick(List.of(one, two)), "then to the backup");

        open(one.breaker());
        twoHealth.recordFailure();
        assertEquals(100, picksOf(upstream, backup, 100), "no primary can take one: the backup takes every request");
        twoHealth.recordSuccess();
        assertEquals(0, picksOf(upstream, backup, 100), "a primary back: the backup is left again");
    }

    @Test
    void aBackupWhoseCheckPassedAgainLongBeforeItIsNeededIsWarmWhenItIs() {
        UpstreamConfig slow = app("endpoints = [\"10.0.0.1:80\", { address = \"10.0.0.3:80\", backup = true },"
                + " { address = \"10.0.0.4:80\", backup = true }], slow-start = 10s");
        EndpointLoads loads = new EndpointLoads();
        EndpointHealth primaryHealth = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP, ticker);
        EndpointHealth recoveringHealth = new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP, ticker);
        Endpoint primary = endpointOf("10.0.0.1:80", loads, primaryHealth, false);
        Endpoint recovering = endpointOf("10.0.0.3:80", loads, recoveringHealth, true);
        Endpoint steady = endpointOf("10.0.0.4:80", loads, new EndpointHealth(1, 1, EndpointHealth.Listener.NOOP, ticker),
                true);
        Upstream upstream = new Upstream(slow, List.of(primary, recovering, steady),
                EndpointSelectors.of(slow.loadBalancing()), Bulkhead.of(100), ticker, new SplittableRandom(5));
        assertEquals(100, picksOf(upstream, primary, 100));

        recoveringHealth.recordFailure();
        recoveringHealth.recordSuccess(); // back, while the primary serves: its window runs from now
        now[0] += Duration.ofSeconds(20).toNanos();
        primaryHealth.recordFailure();
        assertEquals(2000, picksOf(upstream, recovering, 4000), "warm when first needed: its whole half");
    }

    /** An upstream of {@code config}'s policy over {@code endpoints}, on the test's ticker, its draws seeded. */
    private Upstream seeded(UpstreamConfig config, int seed, Endpoint... endpoints) {
        return new Upstream(config, List.of(endpoints), EndpointSelectors.of(config.loadBalancing()), Bulkhead.of(100),
                ticker, new SplittableRandom(seed));
    }
}
