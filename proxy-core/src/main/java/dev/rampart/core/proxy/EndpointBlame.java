package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.resilience.FailureClassifier;
import dev.rampart.core.upstream.pool.PoolExhaustedException;

/**
 * Whether an attempt that did not get its answer in time, or got no connection, counts against its endpoint
 * (its breaker, its attempt outcome). It exists because the answer is not "whatever went wrong": a breaker
 * that blamed the proxy's own shortages, requests the proxy sent with moments left, or streams the route's
 * own timeout cut would open on endpoints that answer all they get in time. An endpoint that took an attempt,
 * began its response and then fell silent is to blame however late the attempt was sent: it did not need the
 * time a late one lacked (nginx's {@code proxy_read_timeout} counts against the server alike). {@link AttemptLoop}
 * asks; the rules are static, so judging allocates nothing per request.
 */
final class EndpointBlame {

    private EndpointBlame() {
    }

    /**
     * Whether an attempt got no connection for the proxy's own reasons, not its endpoint's: the proxy's queue for
     * the endpoint is full, or the process is out of file descriptors (warned about, at most so often). Load is
     * shed then, and the attempt's {@code verdict} gives its endpoint's breaker no outcome.
     */
    static boolean shedsLoad(AttemptVerdict verdict, Throwable acquireFailure, ShortageWarnings shortages) {
        boolean outOfDescriptors = FailureClassifier.isLocalResourceExhaustion(acquireFailure);
        if (!(acquireFailure instanceof PoolExhaustedException) && !outOfDescriptors) {
            return false;
        }
        if (outOfDescriptors) {
            shortages.warn(ResourceShortage.FILE_DESCRIPTORS, acquireFailure);
        }
        verdict.record(null, 0);
        return true;
    }

    /**
     * The breaker outcome of an attempt that failed before a usable response head: a failure ({@code false}), or
     * none ({@code null}) when its connection was stale and the upstream closed it while it sat idle
     * ({@link ConnectionFailureSigns#closedWhileIdle}): a request that may not go again fails with the reset, but its
     * endpoint did not fail.
     */
    static Boolean failedBeforeHead(OriginAttempt attempt, boolean staleConnection) {
        return staleConnection && ConnectionFailureSigns.closedWhileIdle(attempt) ? null : Boolean.FALSE;
    }

    /**
     * Whether the route's deadline, passing while {@code attempt} waited for its answer, is not the endpoint's
     * fault. It is not when the attempt still had no connection (queued for one of the proxy's own, or
     * connecting, which {@code connect-timeout} judges): the endpoint had not been asked anything yet. Nor when
     * the endpoint had it for less than {@link #fairWaitNanos}: it was sent late, after a wait in the proxy's own
     * queue for a connection or after earlier attempts, and a queue of such requests, each sent with moments
     * left, would otherwise open the breaker of an endpoint that answers all it gets in time.
     */
    static boolean excusesDeadline(OriginAttempt attempt, Ticker ticker, RouteConfig route) {
        return attempt.connectedNanos() < 0 || ticker.read() - attempt.callStartNanos() < fairWaitNanos(route);
    }

    /**
     * How long an endpoint may keep an attempt waiting before that counts against it: the per-try timeout, or
     * half the route's timeout if that is less (a per-try timeout as long as the route's would blame nothing).
     * A response body that flowed within it when the route's deadline cut it was a stream still flowing, which
     * says nothing against the endpoint either.
     */
    static long fairWaitNanos(RouteConfig route) {
        return Math.min(route.retry().perTryTimeout().toNanos(), route.timeout().toNanos() / 2);
    }
}
