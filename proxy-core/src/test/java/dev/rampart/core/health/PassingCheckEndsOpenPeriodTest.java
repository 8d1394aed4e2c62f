package dev.rampart.core.health;

import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.testing.Await;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.rampart.core.resilience.CircuitBreaker.State.HALF_OPEN;
import static dev.rampart.core.resilience.CircuitBreaker.State.OPEN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The link from an endpoint's check to its breaker: {@code healthy-threshold} passing probes in a row, each sent while
 * the breaker was in the open period it is in, end that period (half-open). Probes answer when the test says; the
 * breaker's time moves only when the test moves it, so nothing here waits out an open period.
 */
class PassingCheckEndsOpenPeriodTest {

    private static final EndpointAddress ADDRESS = EndpointAddress.parse("10.0.0.1:80");
    private static final PoolSettings SETTINGS = new PoolSettings(ADDRESS, Duration.ofSeconds(1), 8,
            Duration.ofSeconds(30), Duration.ZERO, 16, UpstreamTlsConfig.DEFAULT);
    /** Opens on one failure, for 5 s; a pass may end its period. */
    private static final CircuitBreakerConfig BREAKER = new CircuitBreakerConfig(true, Duration.ofSeconds(10), 20, 50,
            1, Duration.ZERO, 100, Duration.ofSeconds(5), Duration.ofSeconds(60), 3);

    private final EventLoopGroup loops = new DefaultEventLoopGroup(1);
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<Promise<Integer>> probes = new CopyOnWriteArrayList<>();
    private final HealthChecks checks = new HealthChecks(loops, (loop, settings, path, host, timeout, sequence, kept) -> {
        Promise<Integer> probe = loop.newPromise();
        probes.add(probe);
        return probe;
    }, nanos::get, upstream -> false);
    private final CircuitBreaker breaker = CircuitBreaker.of(BREAKER, nanos::get, CircuitBreaker.StateListener.NOOP);

    @AfterEach
    void stop() {
        checks.close();
        loops.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private void check(int healthyThreshold) {
        HealthCheckConfig check = new HealthCheckConfig("/healthz", Duration.ofMillis(5), Duration.ofSeconds(1),
                healthyThreshold, 3);
        EndpointHealth health = checks.healthOf("app", ADDRESS, Optional.of(check));
        checks.run(List.of(new HealthChecks.Target("app", SETTINGS, check, health, breaker)), (upstream, endpoint) -> true);
    }

    /** Answers the probe numbered {@code n} (from 0) once it is out, and waits for the next one to be sent. */
    private void answer(int n, int status) {
        Await.until(() -> probes.size() > n, "probe " + n);
        probes.get(n).setSuccess(status);
        Await.until(() -> probes.size() > n + 1, "the probe after " + n);
    }

    private void openTheBreaker() {
        assertEquals(true, breaker.tryAcquirePermission());
        breaker.onFailure(1_000);
        assertEquals(OPEN, breaker.state());
        nanos.addAndGet(Duration.ofMillis(100).toNanos());
    }

    @Test
    void aProbeSentBeforeTheBreakerOpenedDoesNotEndItsPeriodTheNextPassDoes() {
        check(1);
        Await.until(() -> probes.size() == 1, "the first probe, sent while the breaker is closed");
        openTheBreaker();

        answer(0, 200);
        assertEquals(OPEN, breaker.state(), "it asked before the calls failed: it says nothing of the endpoint since");
        answer(1, 200);
        assertEquals(HALF_OPEN, breaker.state(), "sent since it opened, and healthy-threshold is 1");
    }

    @Test
    void healthyThresholdPassesInARowEndThePeriod() {
        check(2);
        Await.until(() -> probes.size() == 1, "the first probe");
        openTheBreaker();
        answer(0, 200); // sent before the breaker opened

        answer(1, 200);
        answer(2, 503);
        answer(3, 200);
        assertEquals(OPEN, breaker.state(), "two passes, but not in a row");
        answer(4, 200);
        assertEquals(HALF_OPEN, breaker.state());
    }

    @Test
    void passesCountedInAPeriodDoNotCountInTheNext() {
        check(2);
        Await.until(() -> probes.size() == 1, "the first probe");
        openTheBreaker();
        answer(0, 503);
        answer(1, 200); // one pass in this period

        nanos.addAndGet(Duration.ofSeconds(5).toNanos()); // the period runs out; its round fails: a new period
        assertEquals(true, breaker.tryAcquirePermission());
        breaker.onFailure(1_000);
        assertEquals(OPEN, breaker.state());
        nanos.addAndGet(Duration.ofMillis(100).toNanos());

        answer(2, 200); // sent in the first period (answer waited for it to go out): it counts in none
        answer(3, 200);
        assertEquals(OPEN, breaker.state(), "one pass in this period: the first period's does not add to it");
        answer(4, 200);
        assertEquals(HALF_OPEN, breaker.state());
    }
}
