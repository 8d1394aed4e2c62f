package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.CircuitBreakerConfig;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.pool.PoolExhaustedException;
import dev.rampart.core.upstream.pool.PoolSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attempt that got no connection sheds load without blaming its endpoint only when the proxy itself is short:
 * its own queue for the endpoint full, or out of file descriptors. End to end neither is reachable in a test
 * (the queue holds 1024 per event loop behind a bulkhead of the same size), so the rule is pinned here, on an
 * endpoint whose breaker opens at its first failure.
 */
class EndpointBlameTest {

    private final Ticker ticker = () -> 0L;
    private final ShortageWarnings shortages = new ShortageWarnings(ticker);
    private final CircuitBreakerConfig opensAtFirstFailure = new CircuitBreakerConfig(true, Duration.ofSeconds(10),
            100, 50, 1, Duration.ZERO, 100, Duration.ofSeconds(30), Duration.ofSeconds(60), 1);
    private final Endpoint endpoint = endpoint();

    @Test
    void aFullQueueForTheProxysOwnConnectionsShedsLoadAndGivesTheBreakerNoOutcome() {
        AttemptVerdict verdict = startAttempt();

        assertTrue(EndpointBlame.shedsLoad(verdict, new PoolExhaustedException("10.0.0.1:80"), shortages));

        assertVerdictGivenWithoutBlame(verdict);
    }

    @Test
    void theProcessOutOfFileDescriptorsShedsLoadAndGivesTheBreakerNoOutcome() {
        AttemptVerdict verdict = startAttempt();
        Throwable emfile = new ConnectException("connect failed").initCause(new IOException("Too many open files"));

        assertTrue(EndpointBlame.shedsLoad(verdict, emfile, shortages));

        assertVerdictGivenWithoutBlame(verdict);
    }

    @Test
    void aRefusedConnectionIsTheEndpointsFailureToAnswerFor() {
        AttemptVerdict verdict = startAttempt();

        assertFalse(EndpointBlame.shedsLoad(verdict, new ConnectException("Connection refused"), shortages));

        assertEquals(1, endpoint.inFlight(), "the attempt still loads its endpoint: its verdict is to come");
        assertTrue(verdict.record(false, 0), "no verdict was given yet");
        assertEquals(CircuitBreaker.State.OPEN, endpoint.breaker().state());
    }

    private AttemptVerdict startAttempt() {
        endpoint.attemptStarted();
        return new AttemptVerdict(endpoint, endpoint.breaker().tryAdmit());
    }

    private void assertVerdictGivenWithoutBlame(AttemptVerdict verdict) {
        assertEquals(0, endpoint.inFlight(), "the attempt no longer loads its endpoint");
        assertFalse(verdict.record(false, 0), "its verdict was given, and no failure can follow it");
        assertEquals(CircuitBreaker.State.CLOSED, endpoint.breaker().state());
    }

    private Endpoint endpoint() {
        EndpointAddress address = EndpointAddress.parse("10.0.0.1:80");
        PoolSettings pool = new PoolSettings(address, Duration.ofSeconds(1), 8, Duration.ofSeconds(30), Duration.ZERO,
                16, UpstreamTlsConfig.DEFAULT);
        CircuitBreaker breaker = CircuitBreaker.of(opensAtFirstFailure, ticker, CircuitBreaker.StateListener.NOOP);
        return new Endpoint(address, pool, breaker, EndpointHealth.unchecked());
    }
}
