package dev.rampart.core.upstream;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.resilience.Bulkhead;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.balancing.EndpointSelector;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/** A named upstream of one config generation. Shared by every event loop; holds no per-loop state. */
public final class Upstream {

    /** The key of a request that has none: it is placed as the selector places keyless requests. */
    public static final long NO_KEY = 0;

    private final UpstreamConfig config;
    private final List<Endpoint> endpoints;
    private final EndpointSelector selector;
    private final Bulkhead bulkhead;
    private final Ticker ticker;
    /** Null for {@link ThreadLocalRandom}. */
    private final RandomGenerator random;
    private final long slowStartNanos;
    private final boolean hasBackups;

    public Upstream(UpstreamConfig config, List<Endpoint> endpoints, EndpointSelector selector, Bulkhead bulkhead) {
        this(config, endpoints, selector, bulkhead, Ticker.systemTicker(), null);
    }

    /**
     * @param ticker the time of the endpoints' {@code slow-start}
     * @param random what draws whether a warming endpoint takes a turn; null for {@link ThreadLocalRandom}
     */
    public Upstream(UpstreamConfig config, List<Endpoint> endpoints, EndpointSelector selector, Bulkhead bulkhead,
                    Ticker ticker, RandomGenerator random) {
        this.config = config;
        this.endpoints = List.copyOf(endpoints);
        this.selector = selector;
        this.bulkhead = bulkhead;
        this.ticker = ticker;
        this.random = random;
        this.slowStartNanos = config.slowStart().toNanos();
        this.hasBackups = this.endpoints.stream().anyMatch(Endpoint::backup);
    }

    public String name() {
        return config.name();
    }

    public UpstreamConfig config() {
        return config;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    public Bulkhead bulkhead() {
        return bulkhead;
    }

    /**
     * Picks a healthy endpoint (any endpoint when none is healthy) whose breaker lets a call through
     * and takes that permission; a backup only when no other endpoint is available, and a warming one
     * ({@code slow-start}) for about its share of its turns. With
     * {@code avoid} non-empty (the endpoints already tried, the last one most recently), endpoints in it are
     * chosen only when no other one is available, and then the most recently tried one last: a retry that
     * has tried them all goes round them again, as nginx's would, rather than back to the one that just failed.
     *
     * @return the endpoint, or null when every breaker refuses
     */
    public Endpoint pick(List<Endpoint> avoid) {
        return pick(avoid, NO_KEY);
    }

    /**
     * As {@link #pick(List)}, for a request whose key (its {@code consistent-hash} key's hash, never
     * {@link #NO_KEY}) places it on the upstream's ring: the same key goes to the same endpoint while it is
     * available, and its retries go on along the ring.
     */
    public Endpoint pick(List<Endpoint> avoid, long keyHash) {
        Admitted admitted = admit(avoid, keyHash);
        return admitted == null ? null : admitted.endpoint();
    }

    /**
     * As {@link #pick(List, long)}, with the phase of the endpoint's breaker that admitted the attempt, to report
     * its outcome with; null when every breaker refuses.
     */
    public Admitted admit(List<Endpoint> avoid, long keyHash) {
        // A retry that avoids what it tried takes its turn, with a load balancer that takes turns, in a rotation
        // of retries (see EndpointSelector#selectForRetry); one that avoids nothing is picked as a new request.
        boolean retry = !avoid.isEmpty();
        Admitted chosen = pickAndAcquire(avoid, true, retry, keyHash);
        if (chosen == null && avoid.size() > 1) {
            chosen = pickAndAcquire(List.of(avoid.get(avoid.size() - 1)), true, retry, keyHash);
        }
        if (chosen == null && !avoid.isEmpty()) {
            chosen = pickAndAcquire(avoid, false, retry, keyHash);
        }
        return chosen;
    }

    private Admitted pickAndAcquire(List<Endpoint> avoid, boolean skipAvoided, boolean retry, long keyHash) {
        // A breaker may refuse at the moment of acquisition (a half-open slot taken by another loop):
        // exclude it and pick again, at most once per endpoint.
        List<Endpoint> refused = null;
        boolean anyHealthy = anyHealthy();
        for (int i = 0; i < endpoints.size(); i++) {
            List<Endpoint> refusedNow = refused;
            Predicate<Endpoint> available = e -> e.breaker().wouldPermit()
                    && inRotation(e, anyHealthy)
                    && !(skipAvoided && avoid.contains(e))
                    && (refusedNow == null || !refusedNow.contains(e));
            // Backups take the attempt only when no other endpoint is available for it: every other one's breaker
            // refuses, fails its health check, or (for a retry) was tried.
            boolean backupsOnly = hasBackups && !anyPrimaryAvailable(available);
            Predicate<Endpoint> eligible = hasBackups ? e -> e.backup() == backupsOnly && available.test(e) : available;
            Endpoint candidate = keyHash != NO_KEY ? selector.selectByKey(endpoints, eligible, keyHash)
                    : retry ? selector.selectForRetry(endpoints, eligible)
                    : selector.select(endpoints, eligible);
            if (candidate == null) {
                return null;
            }
            if (slowStartNanos > 0 && keyHash == NO_KEY) {
                candidate = warmOrOther(candidate, eligible);
            }
            long phase = candidate.breaker().tryAdmit();
            if (phase != CircuitBreaker.NOT_ADMITTED) {
                return new Admitted(candidate, phase);
            }
            if (refused == null) {
                refused = new ArrayList<>(2);
            }
            refused.add(candidate);
        }
        return null;
    }

    /**
     * {@code candidate}, or, when it is warming up ({@code slow-start}) and the draw says it skips this turn, another:
     * the turn goes on as a retry's turn does, to an endpoint that draws in its turn, until one takes it. A warming
     * endpoint thus takes about its share (0.1 to 1) of the turns it would have, however many warm up at once. When
     * every eligible endpoint skips, the warmest takes the turn: slow start never refuses a request.
     */
    private Endpoint warmOrOther(Endpoint candidate, Predicate<Endpoint> eligible) {
        long now = ticker.read();
        Endpoint turn = candidate;
        Endpoint warmest = null;
        double warmestShare = -1;
        List<Endpoint> skipped = null;
        for (int i = 0; i < endpoints.size() && turn != null; i++) {
            double share = turn.slowStartShare(now, slowStartNanos);
            if (share >= 1 || draw() < share) {
                return turn;
            }
            if (share > warmestShare) {
                warmest = turn;
                warmestShare = share;
            }
            if (skipped == null) {
                skipped = new ArrayList<>(2);
            }
            skipped.add(turn);
            List<Endpoint> passed = skipped;
            // Taken as a retry's turn is: a second turn of the first attempts' rotation would give the skipping
            // endpoint the next first turn again, and with two endpoints every one.
            turn = selector.selectForRetry(endpoints, e -> eligible.test(e) && !passed.contains(e));
        }
        return warmest;
    }

    /** Whether an endpoint that is no backup is {@code available}. */
    private boolean anyPrimaryAvailable(Predicate<Endpoint> available) {
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (!e.backup() && available.test(e)) {
                return true;
            }
        }
        return false;
    }

    private double draw() {
        return random != null ? random.nextDouble() : ThreadLocalRandom.current().nextDouble();
    }

    /** Whether health is being ignored now: no endpoint both passes its check and would be let through (see anyHealthy). */
    public boolean panicking() {
        return !anyHealthy();
    }

    /**
     * Whether any endpoint passes its health check and its breaker would let a call through. When none
     * does, health is ignored and the breakers alone decide (like Envoy's panic mode, which counts ejected
     * hosts as unavailable too): failing health checks everywhere more often means a broken check than a
     * dead fleet, and an endpoint that fails only its check must not sit idle while the breakers of all the
     * others are open, turning one failing endpoint into an outage.
     */
    private boolean anyHealthy() {
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint e = endpoints.get(i);
            if (e.health().healthy() && e.breaker().wouldPermit()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether an endpoint not in {@code tried} would be picked now: its breaker lets a call through and it
     * passes its health check (or none does). No permission is taken. A half-open breaker whose probes are
     * all out lets none through: a connection refused elsewhere is then not retried at once on its account.
     */
    public boolean admitsAnyBesides(List<Endpoint> tried) {
        boolean anyHealthy = anyHealthy();
        for (Endpoint e : endpoints) {
            if (!tried.contains(e) && e.breaker().wouldPermit() && inRotation(e, anyHealthy)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether some endpoint would be picked now: its breaker lets a call through (no permission is taken)
     * and it passes its health check, or none does. When none would, a retry could only end in CIRCUIT_OPEN.
     */
    public boolean admitsAny() {
        return admitsAnyBesides(List.of());
    }

    /** Health takes an endpoint out of rotation only while another passes and is admitted ({@link #anyHealthy}). */
    private static boolean inRotation(Endpoint e, boolean anyHealthy) {
        return !anyHealthy || e.health().healthy();
    }

    /**
     * Whole seconds until the first breaker of an endpoint in rotation lets a probe through (at least 1):
     * the closed breaker of an endpoint failing its health check admits nothing the pick would send.
     */
    public long secondsUntilFirstHalfOpen() {
        long min = Long.MAX_VALUE;
        boolean anyHealthy = anyHealthy();
        for (Endpoint e : endpoints) {
            if (inRotation(e, anyHealthy)) {
                min = Math.min(min, e.breaker().nanosUntilHalfOpen());
            }
        }
        if (min == Long.MAX_VALUE || min <= 0) {
            return 1;
        }
        return Math.max(1, CircuitBreaker.wholeSecondsUp(min));
    }
}
