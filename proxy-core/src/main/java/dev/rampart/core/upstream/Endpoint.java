package dev.rampart.core.upstream;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.LoadAware;
import dev.rampart.core.upstream.pool.PoolSettings;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of an upstream: where it is, how to pool connections to it, its breaker, its health-check
 * verdict and its load.
 */
public final class Endpoint implements LoadAware {

    private final EndpointAddress address;
    private final String label;
    private final String hostHeader;
    private final PoolSettings poolSettings;
    private final CircuitBreaker breaker;
    private final EndpointHealth health;
    /** Shared with the endpoint's namesakes of earlier and later configs (see {@link EndpointLoads}). */
    private final AtomicInteger inFlight;
    private final Warmth warmth;
    private final boolean backup;

    public Endpoint(EndpointAddress address, PoolSettings poolSettings, CircuitBreaker breaker, EndpointHealth health) {
        this(address, poolSettings, breaker, health, new AtomicInteger(), Warmth.ofFirstConfig(), false);
    }

    /**
     * @param inFlight the endpoint's count of attempts in flight, which outlives this config
     * @param warmth   how far it is into its slow start, which outlives this config too
     * @param backup   whether it takes requests only when no other endpoint of its upstream can
     */
    public Endpoint(EndpointAddress address, PoolSettings poolSettings, CircuitBreaker breaker, EndpointHealth health,
                    AtomicInteger inFlight, Warmth warmth, boolean backup) {
        this.inFlight = inFlight;
        this.warmth = warmth;
        this.backup = backup;
        this.address = address;
        this.health = health;
        this.label = address.authority();
        this.hostHeader = address.hostHeader();
        this.poolSettings = poolSettings;
        this.breaker = breaker;
    }

    public EndpointAddress address() {
        return address;
    }

    /** {@code host:port}: the metrics label and the name in logs. */
    public String label() {
        return label;
    }

    /** The {@code Host} of a request to this endpoint unless the client's is preserved: no default port. */
    public String hostHeader() {
        return hostHeader;
    }

    public PoolSettings poolSettings() {
        return poolSettings;
    }

    /** Whether it takes requests only when no other endpoint of its upstream can ({@code backup = true}). */
    public boolean backup() {
        return backup;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public EndpointHealth health() {
        return health;
    }

    /** The share of its turns this endpoint takes now under a {@code slow-start} of {@code windowNanos}: 0.1 to 1. */
    double slowStartShare(long nowNanos, long windowNanos) {
        return warmth.share(breaker, breaker.phase(), breaker.phaseSinceNanos(), health, health.recoveries(),
                health.recoveredAtNanos(), nowNanos, windowNanos);
    }

    @Override
    public int inFlight() {
        return inFlight.get();
    }

    public void attemptStarted() {
        inFlight.incrementAndGet();
    }

    public void attemptEnded() {
        inFlight.decrementAndGet();
    }

    @Override
    public String toString() {
        return label;
    }
}
