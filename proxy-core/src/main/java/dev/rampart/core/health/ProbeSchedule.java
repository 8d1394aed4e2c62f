package dev.rampart.core.health;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.ExpectedStatuses;
import dev.rampart.core.config.HealthCheckConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.core.resilience.FailureClassifier;
import dev.rampart.core.upstream.pool.KeptProbeConnection;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The probe loop of one endpoint of {@link HealthChecks}, run on one event loop: one probe, then {@code interval}
 * after it finished, its results fed to the endpoint's health and, while its breaker is open, to
 * {@link OpenBreakerPasses}.
 */
final class ProbeSchedule {

    // The logger of HealthChecks, as before this class was split from it: operators' log settings name it.
    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    /**
     * A probe sent, the statuses that pass it (those of the check that sent it; null for a connect-only probe, which
     * passes when it succeeds), and when the open period of the
     * endpoint's breaker it was sent in began ({@link CircuitBreaker#NOT_OPEN}: none), for {@link OpenBreakerPasses}.
     */
    private record SentProbe(Future<?> result, ExpectedStatuses passing, long sentInPeriod) {
    }

    private volatile HealthChecks.Target target;
    private final HealthChecks.Key key;
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
    private final KeptProbeConnection connection;
    private final HealthChecks.Prober prober;
    private final HealthChecks.ConnectProber connectProber;
    /** Why each endpoint's last probe failed, shared with {@link HealthChecks}: the line that takes one out says it. */
    private final Map<HealthChecks.Key, String> lastFailures;

    ProbeSchedule(HealthChecks.Target target, HealthChecks.Key key, EventLoop loop, HealthChecks.Prober prober,
                  HealthChecks.ConnectProber connectProber, Ticker ticker,
                  Map<HealthChecks.Key, String> lastFailures) {
        this.connection = new KeptProbeConnection(ticker);
        this.prober = prober;
        this.connectProber = connectProber;
        this.lastFailures = lastFailures;
        this.target = target;
        this.key = key;
        this.loop = loop;
    }

    /** What it probes now: the last reload's target for the endpoint. */
    HealthChecks.Target target() {
        return target;
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
    void startAfter(ProbeSchedule previous, long delayNanos) {
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

    void retarget(HealthChecks.Target next, Set<UpstreamTlsConfig> trustChanged) {
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
        HealthChecks.Target current = target;
        HealthCheckConfig check = current.config();
        Future<?> result;
        long sentInPeriod = current.breaker().openSinceNanos(); // before it is sent: it speaks for no earlier time
        try {
            if (check.type() == HealthCheckConfig.Type.TCP) {
                result = connectProber.probe(loop, current.settings(), check.timeout(), sent++);
            } else {
                String host = check.host().orElseGet(() -> current.settings().address().hostHeader());
                result = prober.probe(loop, current.settings(), check.path(), host, check.timeout(), sent++,
                        check.reuseConnection() ? use : null);
            }
        } catch (RuntimeException e) {
            // e.g. an unusable TLS trust file: a failed check, not a dead schedule
            log.debug("health check of {} could not start", current.settings().address().authority(), e);
            recordFailure(null, e);
            rearm();
            return;
        }
        SentProbe sentProbe = new SentProbe(result,
                check.type() == HealthCheckConfig.Type.TCP ? null : check.expectedStatuses(), sentInPeriod);
        inFlight = sentProbe;
        if (cancelled) {
            // Stopped for good while it was being sent, after the stop looked for a probe in flight: left to its
            // timeout, it would probe an endpoint no longer checked, beside a check put back at once.
            result.cancel(false);
        }
        result.addListener(f -> onResult(f, sentProbe));
    }

    private void onResult(Future<?> f, SentProbe probe) {
        if (f.isSuccess() && probe.passing() == null) {
            recordSuccess(probe.sentInPeriod()); // connect-only: reached is passed
            rearm();
            return;
        }
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
            HealthChecks.Target current = target;
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
