package dev.rampart.core.health;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.ExpectedStatuses;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.resilience.FailureClassifier;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * Probes every endpoint of every upstream that has a {@code health-check}, each on its own schedule: one
 * probe, then {@code interval} after it finished, so a slow endpoint never has two probes in flight.
 * A response with a status of the check's {@code expected-statuses} (any 2xx unless it says otherwise) is a pass;
 * any other status, a connect or TLS failure, or no response within {@code timeout} is a failure.
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

    private record Key(String upstream, String endpoint, HealthCheckConfig config) {
        boolean sameEndpoint(Key other) {
            return upstream.equals(other.upstream) && endpoint.equals(other.endpoint);
        }
    }

    /** The verdict on one checked endpoint, for the admin view and tests. */
    public record Verdict(String upstream, String endpoint, boolean healthy) {
    }

    private final EventLoopGroup loops;
    private final Prober prober;
    private final ConcurrentHashMap<Key, EndpointHealth> states = new ConcurrentHashMap<>();
    /** Why each endpoint's last probe failed, for the line that takes it out of rotation. */
    private final ConcurrentHashMap<Key, String> lastFailures = new ConcurrentHashMap<>();
    private Map<Key, Schedule> running = Map.of(); // guarded by this
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
    public HealthChecks(EventLoopGroup loops, Prober prober, Ticker ticker, Predicate<String> panicking) {
        this.loops = loops;
        this.prober = prober;
        this.ticker = ticker;
        this.panicking = panicking;
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
        return states.computeIfAbsent(new Key(upstream, address.authority(), check), key ->
                new EndpointHealth(check.healthyThreshold(), check.unhealthyThreshold(), previousHealth(key),
                        healthy -> logChange(key, healthy, lastFailures.get(key)), ticker));
    }

    /** The health of the endpoint of {@code key} under other check settings; null when it had none. */
    private EndpointHealth previousHealth(Key key) {
        for (var state : states.entrySet()) {
            if (state.getKey().sameEndpoint(key)) {
                return state.getValue();
            }
        }
        return null;
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
        Map<Key, Schedule> next = new HashMap<>();
        Map<Schedule, Schedule> started = new HashMap<>(); // new schedules, and the ones they follow (or null)
        for (Target target : targets) {
            Key key = new Key(target.upstream(), target.settings().address().authority(), target.config());
            Schedule kept = running.get(key);
            if (kept != null) {
                kept.retarget(target, trustChanged); // its pool settings (TLS trust, connect timeout) may have changed
                next.put(key, kept);
            } else if (!next.containsKey(key)) {
                Schedule schedule = new Schedule(target, key, loops.next());
                next.put(key, schedule);
                started.put(schedule, predecessor(key));
            }
        }
        stopReplaced(next, served);
        boolean spread = started.size() > SPREAD_ABOVE;
        int place = 0;
        for (Map.Entry<Schedule, Schedule> start : started.entrySet()) {
            Schedule schedule = start.getKey();
            Schedule previous = start.getValue();
            if (previous != null) {
                // The verdict was copied when the config was built; what the old check counted since (a reload
                // readies TLS in between) is carried on too, now that it counts no more.
                schedule.target.health().carryOn(previous.target.health());
            }
            long interval = schedule.target.config().interval().toNanos();
            schedule.startAfter(previous, spread ? interval / started.size() * place++ : 0);
        }
        states.keySet().retainAll(next.keySet());
        lastFailures.keySet().retainAll(next.keySet());
        running = next;
    }

    /**
     * Forgets the verdicts of checks no schedule runs: those a refused reload made as it built its config, which would
     * otherwise stand beside the running check's in {@link #verdicts} and be taken up by a later reload's new check.
     */
    public synchronized void forgetUnscheduled() {
        states.keySet().retainAll(running.keySet());
        lastFailures.keySet().retainAll(running.keySet());
    }

    /** Stops the running schedules {@code next} does not keep. */
    private void stopReplaced(Map<Key, Schedule> next, BiPredicate<String, String> served) {
        running.forEach((key, schedule) -> {
            if (next.get(key) == schedule) {
                return;
            }
            if (next.keySet().stream().anyMatch(key::sameEndpoint)) {
                schedule.stop(); // its successor takes over the probe in flight and counts its result
            } else {
                // The check or the endpoint is gone: its probe ends now, not at its timeout, so that a check put
                // back at once does not probe beside it.
                schedule.stopAndCancel();
                if (!schedule.target.health().healthy() && served.test(key.upstream(), key.endpoint())) {
                    log.info("endpoint {} of upstream {} is no longer health-checked (the reload removed its check,"
                            + " which it was failing); back in rotation", key.endpoint(), key.upstream());
                }
            }
        });
    }

    /** The running schedule of the endpoint of {@code key} under other check settings; null when none. */
    private Schedule predecessor(Key key) {
        for (var schedule : running.entrySet()) {
            if (schedule.getKey().sameEndpoint(key)) {
                return schedule.getValue();
            }
        }
        return null;
    }

    /**
     * Stops all probing and cancels the probes in flight: one whose connection opened after the event loops
     * began to end would write its request into a ring that is being torn down, a buffer never released.
     */
    @Override
    public synchronized void close() {
        closed = true;
        running.values().forEach(Schedule::stopAndCancel);
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

    /**
     * A probe sent, the statuses that pass it (those of the check that sent it), and when the open period of the
     * endpoint's breaker it was sent in began ({@link CircuitBreaker#NOT_OPEN}: none), for {@link OpenBreakerPasses}.
     */
    private record SentProbe(Future<Integer> result, ExpectedStatuses passing, long sentInPeriod) {
    }

    /** The probe loop of one endpoint, run on one event loop. */
    private final class Schedule {
        private volatile Target target;
        private final Key key;
        private final EventLoop loop;
        private volatile boolean stopped;
        /** Stopped for good, its probes cancelled: the check or the endpoint is gone (a successor takes none over). */
        private volatile boolean cancelled;
        /**
         * The probe last sent (or taken over from a predecessor), done or not, with the statuses that pass it and
         * the breaker's open period it was sent in; null before the first. One field for all: a successor that takes
         * the probe over takes how it is judged with it, as the check that sent it would have, however many reloads
         * handed it on.
         */
        private volatile SentProbe inFlight;
        private final OpenBreakerPasses openBreakerPasses = new OpenBreakerPasses();
        /** How many probes this schedule has sent: successive probes start at successive addresses of a name. */
        private int sent;
        /** The connection its probes keep between them; a successor (other check settings) opens its own. */
        private final KeptProbeConnection connection = new KeptProbeConnection(ticker);

        Schedule(Target target, Key key, EventLoop loop) {
            this.target = target;
            this.key = key;
            this.loop = loop;
        }

        void probeIn(long delayNanos) {
            if (delayNanos <= 0) {
                loop.execute(this::probe);
            } else {
                loop.schedule(this::probe, delayNanos, TimeUnit.NANOSECONDS);
            }
        }

        /**
         * Starts after {@code previous}, the endpoint's schedule under its old check settings: with the result
         * of the probe it has in flight, when it has one, so that the endpoint never has two probes in flight
         * and a settings change does not throw a result away; else with a probe {@code delayNanos} from now.
         */
        void startAfter(Schedule previous, long delayNanos) {
            SentProbe probe = previous == null ? null : previous.inFlight;
            if (probe == null || probe.result().isDone()) {
                probeIn(delayNanos);
                return;
            }
            inFlight = probe;
            // Judged as the check that sent it would judge it: its answer is to that check's path and Host.
            probe.result().addListener(f -> loop.execute(() -> onResult(f, probe)));
        }

        void stop() {
            stopped = true;
            connection.close(); // a probe in flight that a successor took over closes its connection when it ends
        }

        /** {@link #stop}, and cancels the probe in flight (at the end only: a reload's successor takes it over). */
        void stopAndCancel() {
            cancelled = true; // before inFlight is read: a probe being sent now sees it, or is seen here (probe())
            stop();
            SentProbe probe = inFlight;
            if (probe != null) {
                probe.result().cancel(false); // its connection is closed, or never used, once it is done
            }
        }

        void retarget(Target next, Set<UpstreamTlsConfig> trustChanged) {
            boolean sameConnections = next.settings().equals(target.settings())
                    && !trustChanged.contains(next.settings().tls());
            target = next;
            if (!sameConnections) {
                connection.closeKept(); // made under the settings of before (a connect timeout, a rotated CA)
            }
        }

        private void probe() {
            if (stopped) {
                return;
            }
            // The use first: a reload that retargets this schedule between the two reads then finds the probe
            // begun under the old settings, and its connection is not kept (retarget sets, then closes).
            KeptProbeConnection.Use use = connection.use();
            Target current = target;
            HealthCheckConfig check = current.config();
            Future<Integer> result;
            long sentInPeriod = current.breaker().openSinceNanos(); // before it is sent: it speaks for no earlier time
            try {
                String host = check.host().orElseGet(() -> current.settings().address().hostHeader());
                result = prober.probe(loop, current.settings(), check.path(), host, check.timeout(), sent++,
                        check.reuseConnection() ? use : null);
            } catch (RuntimeException e) {
                // e.g. an unusable TLS trust file: a failed check, not a dead schedule
                log.debug("health check of {} could not start", current.settings().address().authority(), e);
                recordFailure(null, e);
                rearm();
                return;
            }
            SentProbe sentProbe = new SentProbe(result, check.expectedStatuses(), sentInPeriod);
            inFlight = sentProbe;
            if (cancelled) {
                // Stopped for good while it was being sent, after the stop looked for a probe in flight: left to its
                // timeout, it would probe an endpoint no longer checked, beside a check put back at once.
                result.cancel(false);
            }
            result.addListener(f -> onResult(f, sentProbe));
        }

        private void onResult(Future<?> f, SentProbe probe) {
            Integer status = f.isSuccess() ? (Integer) f.getNow() : null;
            if (status != null && probe.passing().contains(status)) {
                recordSuccess(probe.sentInPeriod());
            } else {
                recordFailure(status, f.cause());
            }
            rearm();
        }

        /**
         * A probe that did not pass, unless the proxy itself was out of file descriptors: that says nothing of
         * the endpoint (requests that meet it leave the breaker alone too), and would take a healthy endpoint out
         * of rotation, and tell the operator it is unhealthy, while the shortage is the proxy's own.
         */
        private void recordFailure(Integer status, Throwable cause) {
            if (status == null && FailureClassifier.isLocalResourceExhaustion(cause)) {
                log.debug("health check of {} not made: out of file descriptors",
                        target.settings().address().authority(), cause);
                return;
            }
            if (!stopped) { // a probe that ends after its check was replaced or removed speaks for nobody
                lastFailures.put(key, ProbeFailureText.describe(status, cause));
                target.health().recordFailure();
                openBreakerPasses.failed();
            }
        }

        private void recordSuccess(long sentInPeriod) {
            if (!stopped) {
                Target current = target;
                current.health().recordSuccess();
                openBreakerPasses.passed(current.breaker(), sentInPeriod, current.config().healthyThreshold());
            }
        }

        private void rearm() {
            if (!stopped) {
                loop.schedule(this::probe, target.config().interval().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }
}
