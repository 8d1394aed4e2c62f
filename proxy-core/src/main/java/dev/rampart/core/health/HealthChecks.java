package dev.rampart.core.health;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.upstream.pool.KeptProbeConnection;
import dev.rampart.core.upstream.pool.PoolSettings;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * Probes every endpoint of every upstream that has a {@code health-check}, each on its own schedule: one
 * probe, then {@code interval} after it finished, so a slow endpoint never has two probes in flight.
 * A response with a status of the check's {@code expected-statuses} (any 2xx unless it says otherwise) is a pass;
 * any other status, a connect or TLS failure, or no response within {@code timeout} is a failure. A check of
 * {@code type = tcp} sends no request: its probe passes once the connection, and the TLS handshake to an
 * {@code https://} endpoint, is made within {@code timeout} ({@link ConnectProber}).
 *
 * <p>Health outlives config generations like breakers do: a reload that keeps an endpoint and its
 * health-check settings keeps its verdict; removed endpoints stop being probed and are forgotten.
 */
public final class HealthChecks implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);
    /**
     * Past this many checks starting at once (a start, or a reload that adds them), their first probes are spread
     * over each one's interval instead of all sent at once: 2,000 endpoints probed together at a start, the JIT
     * still cold, stalled both event loops for up to 2.8 s. Fewer start as before, each with a probe now.
     */
    static final int SPREAD_ABOVE = 64;

    /**
     * Sends one probe, {@code GET path} with {@code host} as its {@code Host}, on the connection {@code kept} holds
     * when there is one and it is open ({@code kept} is null when the check asks for a fresh connection each time);
     * {@code OriginPools::probe} in production.
     */
    @FunctionalInterface
    public interface Prober {
        Future<Integer> probe(EventLoop loop, PoolSettings settings, String path, String host, Duration timeout,
                              int sequence, KeptProbeConnection.Use kept);
    }

    /**
     * Reaches an endpoint and closes the connection at once, TLS handshake included for an {@code https://} one: the
     * probe of a {@code type = tcp} check; {@code OriginPools::connectProbe} in production.
     */
    @FunctionalInterface
    public interface ConnectProber {
        /** A prober for checks that are never of {@code type = tcp}: it fails every probe. */
        ConnectProber NONE = (loop, settings, timeout, sequence) ->
                loop.newFailedFuture(new UnsupportedOperationException("no connect-only probes here"));

        Future<Void> probe(EventLoop loop, PoolSettings settings, Duration timeout, int sequence);
    }

    /**
     * One endpoint to probe, the health its results feed, and its breaker, whose open period passing probes may end
     * ({@link OpenBreakerPasses}).
     */
    public record Target(String upstream, PoolSettings settings, HealthCheckConfig config, EndpointHealth health,
                         CircuitBreaker breaker) {
        /** An endpoint without a breaker to tell. */
        public Target(String upstream, PoolSettings settings, HealthCheckConfig config, EndpointHealth health) {
            this(upstream, settings, config, health, CircuitBreaker.alwaysClosed());
        }
    }

    record Key(String upstream, String endpoint, HealthCheckConfig config) {
        /** The endpoint whatever its check settings: what a reload's new settings carry on from. */
        Endpoint checked() {
            return new Endpoint(upstream, endpoint);
        }
    }

    /** An endpoint of an upstream, by the upstream's name and the endpoint's authority. */
    record Endpoint(String upstream, String endpoint) {
    }

    /** The verdict on one checked endpoint, for the admin view and tests. */
    public record Verdict(String upstream, String endpoint, boolean healthy) {
    }

    private final EventLoopGroup loops;
    private final Prober prober;
    private final ConnectProber connectProber;
    private final ConcurrentHashMap<Key, EndpointHealth> states = new ConcurrentHashMap<>();
    /**
     * The keys of {@link #states} by endpoint, so that new check settings find the endpoint's health under the old
     * ones without a scan of every state: a reload that changes the checks of N endpoints stays O(N).
     */
    private final ConcurrentHashMap<Endpoint, Set<Key>> statesByEndpoint = new ConcurrentHashMap<>();
    /** Why each endpoint's last probe failed, for the line that takes it out of rotation. */
    private final ConcurrentHashMap<Key, String> lastFailures = new ConcurrentHashMap<>();
    private Map<Key, ProbeSchedule> running = Map.of(); // guarded by this
    private final Ticker ticker;
    private boolean closed; // guarded by this
    /** Whether an upstream's load balancing ignores health now (panic mode), by its name. */
    private final Predicate<String> panicking;

    /**
     * @param ticker    times each endpoint's recovery, for its {@code slow-start}
     * @param panicking whether an upstream's load balancing ignores health now, by its name: the log line of an
     *                  endpoint failing its check says so rather than "out of rotation". The upstreams' own view,
     *                  which counts breakers too (an endpoint passing its checks behind an open breaker takes no
     *                  traffic), not the verdicts alone.
     */
    public HealthChecks(EventLoopGroup loops, Prober prober, ConnectProber connectProber, Ticker ticker,
                        Predicate<String> panicking) {
        this.loops = loops;
        this.prober = prober;
        this.connectProber = connectProber;
        this.ticker = ticker;
        this.panicking = panicking;
    }

    /** Checks that are all of {@code type = http}. */
    public HealthChecks(EventLoopGroup loops, Prober prober, Ticker ticker, Predicate<String> panicking) {
        this(loops, prober, ConnectProber.NONE, ticker, panicking);
    }

    /**
     * The health that load balancing reads for an endpoint; {@link EndpointHealth#unchecked() unchecked} without a check.
     * New check settings for an endpoint already checked carry on from its verdict and its results in a row:
     * retuning a threshold must not put an endpoint known to be down back into rotation until it passes the
     * new check, nor, done often, keep a failing one in.
     */
    public EndpointHealth healthOf(String upstream, EndpointAddress address, Optional<HealthCheckConfig> config) {
        if (config.isEmpty()) {
            return EndpointHealth.unchecked();
        }
        HealthCheckConfig check = config.get();
        Key key = new Key(upstream, address.authority(), check);
        EndpointHealth existing = states.get(key);
        if (existing != null) {
            return existing;
        }
        EndpointHealth health = states.computeIfAbsent(key, k ->
                new EndpointHealth(check.healthyThreshold(), check.unhealthyThreshold(), previousHealth(k),
                        healthy -> logChange(k, healthy, lastFailures.get(k)), ticker));
        statesByEndpoint.computeIfAbsent(key.checked(), e -> ConcurrentHashMap.newKeySet()).add(key);
        return health;
    }

    /** The health of the endpoint of {@code key} under other check settings; null when it had none. */
    private EndpointHealth previousHealth(Key key) {
        Set<Key> keys = statesByEndpoint.get(key.checked());
        if (keys != null) {
            for (Key other : keys) {
                EndpointHealth health = states.get(other);
                if (health != null) {
                    return health;
                }
            }
        }
        return null;
    }

    /** Keeps the states of {@code keys} only, and the index of them by endpoint in step. */
    private void retainStates(Set<Key> keys) {
        states.keySet().retainAll(keys);
        lastFailures.keySet().retainAll(keys);
        statesByEndpoint.values().forEach(byEndpoint -> byEndpoint.retainAll(states.keySet()));
        statesByEndpoint.values().removeIf(Set::isEmpty);
    }

    /** The current verdict on every checked endpoint, sorted by upstream and endpoint. */
    public List<Verdict> verdicts() {
        List<Verdict> verdicts = new ArrayList<>();
        states.forEach((key, health) -> verdicts.add(new Verdict(key.upstream(), key.endpoint(), health.healthy())));
        verdicts.sort(java.util.Comparator.comparing(Verdict::upstream).thenComparing(Verdict::endpoint));
        return verdicts;
    }

    /**
     * Probes {@code targets} from now on. An endpoint whose check is unchanged keeps its schedule, with its
     * probe in flight: restarted at every reload, a check slower than the reloads would never count a
     * result, and would have two probes in flight. One whose check settings changed starts when the probe
     * its old check has in flight ends, and counts that probe's result; a new endpoint starts with a probe
     * now (or, when more than {@link #SPREAD_ABOVE} start together, within its interval, the first probes spread
     * over it); the rest stop, their probes in flight cancelled.
     *
     * @param served whether the config of {@code targets} still sends traffic to an endpoint, by its upstream's
     *               name and its authority: one whose check it removed while the endpoint was failing it is back
     *               in rotation, which is logged as its leaving was
     */
    public void run(List<Target> targets, BiPredicate<String, String> served) {
        run(targets, served, Set.of());
    }

    /**
     * {@link #run(List, BiPredicate)} after a reload: an endpoint that keeps its check keeps the connection its
     * probes use too, unless its pool settings changed or its TLS trust file now holds other certificates
     * ({@code trustChanged}), as pooled connections are retired.
     */
    public synchronized void run(List<Target> targets, BiPredicate<String, String> served,
                                 Set<UpstreamTlsConfig> trustChanged) {
        if (closed) {
            return;
        }
        Map<Endpoint, ProbeSchedule> runningByEndpoint = new HashMap<>(); // one check per endpoint runs
        running.forEach((key, schedule) -> runningByEndpoint.put(key.checked(), schedule));
        Map<Key, ProbeSchedule> next = new HashMap<>();
        Map<ProbeSchedule, ProbeSchedule> started = new HashMap<>(); // new schedules, and the ones they follow (or null)
        for (Target target : targets) {
            Key key = new Key(target.upstream(), target.settings().address().authority(), target.config());
            ProbeSchedule kept = running.get(key);
            if (kept != null) {
                kept.retarget(target, trustChanged); // its pool settings (TLS trust, connect timeout) may have changed
                next.put(key, kept);
            } else if (!next.containsKey(key)) {
                ProbeSchedule schedule = new ProbeSchedule(target, key, loops.next(), prober, connectProber, ticker,
                        lastFailures);
                next.put(key, schedule);
                started.put(schedule, runningByEndpoint.get(key.checked()));
            }
        }
        stopReplaced(next, served);
        boolean spread = started.size() > SPREAD_ABOVE;
        int place = 0;
        for (Map.Entry<ProbeSchedule, ProbeSchedule> start : started.entrySet()) {
            ProbeSchedule schedule = start.getKey();
            ProbeSchedule previous = start.getValue();
            if (previous != null) {
                // The verdict was copied when the config was built; what the old check counted since (a reload
                // readies TLS in between) is carried on too, now that it counts no more.
                schedule.target().health().carryOn(previous.target().health());
            }
            long interval = schedule.target().config().interval().toNanos();
            schedule.startAfter(previous, spread ? interval / started.size() * place++ : 0);
        }
        retainStates(next.keySet());
        running = next;
    }

    /**
     * Forgets the verdicts of checks no schedule runs: those a refused reload made as it built its config, which would
     * otherwise stand beside the running check's in {@link #verdicts} and be taken up by a later reload's new check.
     */
    public synchronized void forgetUnscheduled() {
        retainStates(running.keySet());
    }

    /** Stops the running schedules {@code next} does not keep. */
    private void stopReplaced(Map<Key, ProbeSchedule> next, BiPredicate<String, String> served) {
        Set<Endpoint> stillChecked = new HashSet<>();
        next.keySet().forEach(key -> stillChecked.add(key.checked()));
        running.forEach((key, schedule) -> {
            if (next.get(key) == schedule) {
                return;
            }
            if (stillChecked.contains(key.checked())) {
                schedule.stop(); // its successor takes over the probe in flight and counts its result
            } else {
                // The check or the endpoint is gone: its probe ends now, not at its timeout, so that a check put
                // back at once does not probe beside it.
                schedule.stopAndCancel();
                if (!schedule.target().health().healthy() && served.test(key.upstream(), key.endpoint())) {
                    log.info("endpoint {} of upstream {} is no longer health-checked (the reload removed its check,"
                            + " which it was failing); back in rotation", key.endpoint(), key.upstream());
                }
            }
        });
    }

    /**
     * Stops all probing and cancels the probes in flight: one whose connection opened after the event loops
     * began to end would write its request into a ring that is being torn down, a buffer never released.
     */
    @Override
    public synchronized void close() {
        closed = true;
        running.values().forEach(ProbeSchedule::stopAndCancel);
        running = Map.of();
    }

    private void logChange(Key key, boolean healthy, String lastFailure) {
        if (healthy) {
            log.info("endpoint {} of upstream {} passed {}; back in rotation",
                    key.endpoint(), key.upstream(), checksInARow(key.config().healthyThreshold()));
        } else {
            // The why matters most when nothing else says it: an expired or replaced certificate, a wrong path.
            // "Out of rotation" would be untrue of the last endpoint to fail: with none both passing and admitted by
            // its breaker, load balancing ignores health (panic mode) and traffic goes on to all of them, a single
            // endpoint included.
            log.warn("endpoint {} of upstream {} failed {}; {}; last: {}",
                    key.endpoint(), key.upstream(), checksInARow(key.config().unhealthyThreshold()),
                    panicking.test(key.upstream()) ? "no endpoint of the upstream both passes its checks and is"
                            + " admitted by its breaker now, so traffic goes on to all of them as their breakers allow"
                            + " (panic mode), until one does" : "out of rotation", lastFailure);
        }
    }

    private static String checksInARow(int threshold) {
        return threshold == 1 ? "a health check" : threshold + " health checks in a row";
    }
}
