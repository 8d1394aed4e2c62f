package dev.rampart.core.proxy;

import dev.rampart.core.config.RetryConfig;
import dev.rampart.core.errors.Reason;
import dev.rampart.core.observe.LogText;
import dev.rampart.core.resilience.FailureKind;
import dev.rampart.core.resilience.RetryAfter;
import dev.rampart.core.resilience.RetryContext;
import dev.rampart.core.resilience.RetryDecision;
import dev.rampart.core.resilience.RetryPolicy;
import dev.rampart.core.resilience.UpstreamFailure;
import dev.rampart.core.routing.Route;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.Upstream;
import dev.rampart.core.upstream.pool.OriginConnection;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one exchange's attempts have come to so far, and the retry decisions drawn from it: the endpoints
 * tried, the resends after a stale connection, the last failure, upstream status and Retry-After, and the
 * {@link RetryContext} the {@link RetryPolicy} decides on. It exists so that "may this request be tried
 * again?" has its answer in one place, while the {@link Exchange} keeps the lifecycle: the attempts,
 * their timers and the client. Decides and records only; it schedules and writes nothing.
 */
final class RetryBookkeeping {

    /** Logs under the exchange's name: it reports on the exchange, and log filters are set by that name. */
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    /** Stale pooled connections skipped per request before the failure goes to the retry policy. */
    private static final int MAX_STALE_CONNECTION_RETRIES = 2;

    private final ProxySnapshot snapshot;
    /** The request as the client sent it: the key must be the client's own, not a header the proxy adds. */
    private final HttpRequest client;
    /** The request as it goes upstream, whose method and idempotency key decide what may be repeated. */
    private final HttpRequest forwarded;
    /** Whether both heads carry the key: null until a failure asks (most requests never fail). */
    private Boolean hasIdempotencyKey;
    private final ExchangeOutcome outcome;
    private final Route route;
    private final RetryConfig retryConfig;
    private final Upstream upstream;
    private final RequestBody body;
    private final long deadlineNanos;
    private final List<Endpoint> tried = new ArrayList<>(2);
    /** Per endpoint that answered 429/503 with a Retry-After: until when (ticker time) it asked to be left alone. */
    private Map<Endpoint, Long> notBefore;
    private String lastFailure;
    /** What the last retried attempt ended with: a failure kind, or an upstream status (-1 when none). */
    private FailureKind lastFailureKind;
    private int lastStatus = -1;
    /** The endpoint whose failure or status {@link #lastFailureKind} or {@link #lastStatus} remembers. */
    private String lastOutcomeEndpoint;
    private long lastRetryAfterSeconds = -1;
    /** The lines of {@link #lastStatus} its envelope keeps (see {@link ForwardedHeaders#keptOnRewrite}). */
    private List<Map.Entry<String, String>> lastKept = List.of();
    private int staleConnectionRetries;

    /**
     * @param client    the request head as the client sent it
     * @param forwarded the same head as it is sent upstream: the idempotency key must be in both, the client's
     *                  (not a header the proxy adds, such as X-Request-Id) and forwarded (not one the client
     *                  named in {@code Connection}, which the upstream never sees)
     */
    RetryBookkeeping(ProxySnapshot snapshot, HttpRequest client, HttpRequest forwarded, ExchangeOutcome outcome,
                     Route route, Upstream upstream, RequestBody body, long deadlineNanos) {
        this.snapshot = snapshot;
        this.client = client;
        this.forwarded = forwarded;
        this.outcome = outcome;
        this.route = route;
        this.retryConfig = route.config().retry();
        this.upstream = upstream;
        this.body = body;
        this.deadlineNanos = deadlineNanos;
    }

    private boolean hasIdempotencyKey() {
        if (hasIdempotencyKey == null) {
            String keyHeader = retryConfig.idempotencyKeyHeader();
            hasIdempotencyKey = carriesIdempotencyKey(client.headers(), keyHeader)
                    && carriesIdempotencyKey(forwarded.headers(), keyHeader);
        }
        return hasIdempotencyKey;
    }

    /** Whether {@code headers} hold a key a repeated request can be recognised by: the header, and not blank. */
    static boolean carriesIdempotencyKey(HttpHeaders headers, String keyHeader) {
        if (keyHeader.isEmpty()) {
            return false;
        }
        String key = headers.get(keyHeader);
        return key != null && !key.isBlank();
    }

    // ---- endpoints -----------------------------------------------------------------------------------

    /**
     * The endpoints the next pick should avoid: those already tried, the most recently tried last, when the
     * route prefers another.
     */
    List<Endpoint> endpointsToAvoid() {
        return retryConfig.preferOtherEndpoint() ? tried : List.of();
    }

    /** Keeps {@link #tried} in the order of the endpoints' latest attempts: the most recent one last. */
    void attemptStarted(Endpoint endpoint) {
        tried.remove(endpoint);
        tried.add(endpoint);
    }

    // ---- stale pooled connections ----------------------------------------------------------------------

    /**
     * Whether a request whose connection was stale ({@link ConnectionFailureSigns#staleConnection}) goes again, on
     * another connection, as no retry the route pays for: only one that may be repeated, its body at hand, a
     * bounded number of times.
     */
    boolean resendsAfterStaleConnection() {
        return staleConnectionRetries < MAX_STALE_CONNECTION_RETRIES && body.replayable()
                && (retryConfig.idempotentMethods().contains(forwarded.method().name()) || hasIdempotencyKey());
    }

    void staleConnectionSkipped() {
        staleConnectionRetries++;
    }

    // ---- failures and decisions --------------------------------------------------------------------------

    /** Remembers why an attempt failed before a usable response head, for the log line of the final answer. */
    void attemptFailed(OriginAttempt attempt, FailureKind kind, Throwable cause) {
        lastFailure = named(attempt) + ": " + kind
                + (cause == null ? "" : " (" + LogText.printable(cause.toString()) + ")"); // may quote upstream bytes
        if (log.isDebugEnabled()) {
            log.debug("request {} {}", outcome.requestId(), lastFailure);
        }
    }

    /** An attempt as the failure log line names it: {@code attempt 2 to orders:8080 at 10.1.2.3:8080}. */
    private static String named(OriginAttempt attempt) {
        return "attempt " + attempt.number() + " to " + attempt.endpoint().label() + addressOf(attempt);
    }

    /**
     * Where a connected attempt to an endpoint given by name went, {@code " at 10.1.2.3:8080"}: the one address of
     * the name's several (a headless Service's pods) that failed, as nginx's {@code $upstream_addr} names it. Empty
     * for an endpoint given as an address, and for an attempt that never connected.
     */
    private static String addressOf(OriginAttempt attempt) {
        OriginConnection conn = attempt.connection();
        if (conn == null || !attempt.endpoint().address().isName()
                || !(conn.channel().remoteAddress() instanceof java.net.InetSocketAddress remote)) {
            return "";
        }
        return " at " + io.netty.util.NetUtil.toSocketAddressString(remote);
    }

    /** The last failure in words (addresses, exception text): for the log only, never for the client. */
    String lastFailure() {
        return lastFailure;
    }

    /**
     * A failed attempt is being retried: if no endpoint admits the retry, the client gets this failure,
     * unless what was kept before says more (see {@link #keptOutcomeSaysMoreThan}).
     */
    void failureRetried(FailureKind kind, String endpoint) {
        if (keptOutcomeSaysMoreThan(kind)) {
            return;
        }
        lastFailureKind = kind;
        lastStatus = -1;
        lastOutcomeEndpoint = endpoint;
    }

    /** Whether the last retried attempt that got past connecting ended with a status or a failure. */
    private boolean reachedAnEndpoint() {
        return lastStatus > 0 || lastFailureKind != null && !lastFailureKind.isConnectFailure();
    }

    /**
     * Whether the outcome kept from an earlier attempt tells the client more than a later failure of
     * {@code kind}: a connect failure never hides an endpoint that was reached (it answered, reset or timed
     * out), and a refusal never hides an endpoint that could not be connected to in time or at all, since
     * UPSTREAM_CONNECT_REFUSED says that every tried endpoint refused.
     */
    private boolean keptOutcomeSaysMoreThan(FailureKind kind) {
        if (!kind.isConnectFailure()) {
            return false;
        }
        return reachedAnEndpoint()
                || kind == FailureKind.CONNECT_REFUSED && lastFailureKind != null && lastFailureKind != kind;
    }

    /**
     * Answers the client once the attempts have stopped: after an attempt that failed with {@code failed},
     * or (null) when no endpoint lets another call through. A refusal never hides what an endpoint that
     * had the request did: after an upstream error status the client gets that status's envelope (its body
     * was not kept), after a reset, a timeout or a failed connect that failure's ("every tried endpoint
     * refused" would not be true). With no attempt made at all, no endpoint admitting one is CIRCUIT_OPEN.
     * {@code retriedHeadUsed} runs when the answer is the last retried status's: its head is the one used.
     */
    void answerWithLastOutcome(Exchange exchange, FailureKind failed, Runnable retriedHeadUsed) {
        if (lastStatus > 0 && (failed == null || failed.isConnectFailure())) {
            outcome.endpoint(lastOutcomeEndpoint); // the log names the endpoint whose answer the client gets
            noteEarlierAnswer(failed, "status " + lastStatus);
            retriedHeadUsed.run(); // before the answer: written at once, it may be logged before this returns
            exchange.failUpstream(lastStatus, lastRetryAfterSeconds, lastKept);
            return;
        }
        boolean earlier = failed == null || keptOutcomeSaysMoreThan(failed);
        FailureKind reported = earlier ? lastFailureKind : failed;
        if (earlier && reported != null) {
            outcome.endpoint(lastOutcomeEndpoint);
            noteEarlierAnswer(failed, reported.name());
        }
        if (reported != null) {
            exchange.fail(reported.reason(), -1);
        } else {
            exchange.fail(Reason.CIRCUIT_OPEN, upstream.secondsUntilFirstHalfOpen());
        }
    }

    /**
     * The client gets what an earlier attempt did, not the failure that ended the retries: the log line
     * names both, since its last failure alone would point at an endpoint the answer did not come from.
     */
    private void noteEarlierAnswer(FailureKind failed, String what) {
        if (failed != null && lastFailure != null) {
            lastFailure += "; the answer is the earlier " + what + " of " + lastOutcomeEndpoint;
        }
    }

    /** An upstream error status is being retried: if no endpoint admits the retry, the client gets it. */
    void statusRetried(int status, String retryAfter, List<Map.Entry<String, String>> kept, String endpoint) {
        lastOutcomeEndpoint = endpoint;
        lastFailureKind = null;
        lastStatus = status;
        lastRetryAfterSeconds = retryAfterSeconds(status, retryAfter);
        lastKept = kept;
    }

    /**
     * The retry policy's decision, except when no endpoint's breaker would admit another attempt (this
     * failure may just have opened the last one): then this attempt's result is what the client gets,
     * as PRODUCT says of retries that end, rather than a CIRCUIT_OPEN the client never caused.
     */
    RetryDecision decideRetry(UpstreamFailure failure, OriginAttempt attempt, boolean responseStarted) {
        if (failure.kind() == FailureKind.UPSTREAM_STATUS && failure.status() >= 500) {
            // An error status is this attempt's failure: the log line of a rewritten answer names it, not an
            // earlier attempt's connect failure.
            lastFailure = named(attempt) + ": status " + failure.status();
        }
        return snapshot.retryPolicy(route.name()).decide(retryContext(failure, attempt, responseStarted));
    }

    private RetryContext retryContext(UpstreamFailure failure, OriginAttempt attempt, boolean responseStarted) {
        // Only an endpoint the next pick could take counts: one whose breaker is open is not left to move to,
        // and with prefer-other-endpoint off the pick may well take the endpoint that just failed.
        boolean untriedLeft = retryConfig.preferOtherEndpoint() && upstream.admitsAnyBesides(tried);
        long now = snapshot.ticker().read();
        rememberRetryAfter(failure, attempt.endpoint(), now);
        // An upgrade is replayed like any GET: no conversation starts before a 101 (which ends retrying), and
        // the frames a client sends early are held back (RequestHeadGuard) until one arrives.
        return new RetryContext(failure, outcome.attempts() - staleConnectionRetries, forwarded.method().name(),
                hasIdempotencyKey(), body.replayable(),
                attempt.bytesSent(), responseStarted, deadlineNanos - now, untriedLeft,
                untriedLeft ? null : retryAfterOfNextEndpoints(now), upstream.admitsAny());
    }

    /** A 429/503's Retry-After, kept as the time before which its endpoint asked not to be called again. */
    private void rememberRetryAfter(UpstreamFailure failure, Endpoint endpoint, long now) {
        if (failure.status() != 429 && failure.status() != 503) {
            return;
        }
        failure.retryAfter().flatMap(value -> RetryAfter.parse(value, snapshot.clock())).ifPresent(wait -> {
            if (notBefore == null) {
                notBefore = new HashMap<>(2);
            }
            long nanos = wait.compareTo(Duration.ofDays(365)) > 0 ? Long.MAX_VALUE / 2 : wait.toNanos();
            notBefore.put(endpoint, now + nanos);
        });
    }

    /**
     * Every endpoint tried, the next pick goes to one of them other than the last (see {@code Upstream.pick}):
     * how long the longest Retry-After of those still runs. Null when it goes back to the last one (the only
     * endpoint, or a free pick with prefer-other-endpoint off): the failure's own Retry-After applies then.
     */
    private Duration retryAfterOfNextEndpoints(long now) {
        if (!retryConfig.preferOtherEndpoint() || tried.size() < 2) {
            return null;
        }
        long longest = 0;
        if (notBefore != null) {
            for (int i = 0; i < tried.size() - 1; i++) {
                Long until = notBefore.get(tried.get(i));
                if (until != null) {
                    longest = Math.max(longest, until - now);
                }
            }
        }
        return Duration.ofNanos(longest);
    }

    /** Counts a retry the failure asked for but a rule refused; a failure nobody retries is not counted. */
    void reportSkipped(RetryDecision decision) {
        if (decision instanceof RetryDecision.Stop stop && stop.why() != RetryDecision.StopReason.NOT_RETRYABLE) {
            snapshot.observer().onRetrySkipped(route.name(), stop.whyLabel());
        }
    }

    /**
     * The whole seconds of an upstream error's {@code Retry-After} that its envelope carries, or -1: only where the
     * status gives the header a meaning for the client, 429 and 503, and a 413 whose condition is temporary (RFC 9110
     * §15.5.14).
     */
    long retryAfterSeconds(int status, String retryAfter) {
        if (retryAfter == null || (status != 413 && status != 429 && status != 503)) {
            return -1;
        }
        // Whole seconds rounded up, without toMillis(): a far-future HTTP-date would overflow it.
        return RetryAfter.parse(retryAfter, snapshot.clock())
                .map(d -> d.getNano() == 0 || d.getSeconds() == Long.MAX_VALUE ? d.getSeconds() : d.getSeconds() + 1)
                .orElse(-1L);
    }
}
