package dev.rampart.core.proxy;

import dev.rampart.core.resilience.FailureKind;
import dev.rampart.core.upstream.pool.OriginConnection;

import java.util.concurrent.TimeUnit;

/**
 * What a failed attempt's connection says of why it failed, from the connection alone: a keep-alive connection the
 * upstream closed just as it was reused (not the endpoint's failure), one that had sat idle long enough for the
 * upstream's keep-alive timer to close it, and a timeout with nothing at all come back (a host gone or a path cut).
 * {@link RetryBookkeeping} and {@link EndpointBlame} draw their decisions from these signs.
 */
final class ConnectionFailureSigns {

    /** Upstreams close idle keep-alive connections after a second or more (gunicorn 2 s, node 5 s, nginx 75 s). */
    static final long SHORTEST_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** What a stale connection's reset may take beyond a few round trips: the event loops' own delays. */
    private static final long STALE_FAILURE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private ConnectionFailureSigns() {
    }

    /**
     * Whether the upstream closed a keep-alive connection as it was reused, too soon after the request began for
     * it to have acted on it: not the endpoint's failure, whatever the request's method (an upstream that closes
     * idle connections on a timer of its own must not open its breaker with the POSTs that meet one).
     */
    static boolean staleConnection(OriginAttempt attempt, FailureKind kind, boolean responseStarted, long nowNanos) {
        return kind == FailureKind.RESET && !responseStarted && onReusedConnectionWithoutResponse(attempt)
                && failedBeforeTheUpstreamCouldAct(attempt, nowNanos);
    }

    /**
     * Whether a stale connection ({@link #staleConnection}) that a request may not be sent again on had sat idle
     * in the pool long enough for a keep-alive timer of the upstream's to have closed it: then its reset says
     * nothing of the endpoint's health. One reused within the second (under load) may have been reset by a worker
     * that died on the request, which its breaker must hear of, as nginx's and Envoy's do.
     */
    static boolean closedWhileIdle(OriginAttempt attempt) {
        return attempt.connection().idleBeforeUseNanos() >= SHORTEST_KEEP_ALIVE_NANOS;
    }

    /**
     * Whether the attempt ran on a pooled connection that had carried an earlier exchange and nothing of a
     * response came back: the signature of a keep-alive connection the upstream closed just as the proxy
     * reused it, when the upstream most likely never processed the request.
     */
    private static boolean onReusedConnectionWithoutResponse(OriginAttempt attempt) {
        return nothingOfAResponseCame(attempt) && attempt.connection().requests() > 1;
    }

    /** Whether the attempt has a connection and not a byte of a response came on it, interim responses included. */
    private static boolean nothingOfAResponseCame(OriginAttempt attempt) {
        OriginConnection conn = attempt.connection();
        return conn != null && !conn.responseBytesSeen() && !attempt.sawInterimResponse();
    }

    /**
     * Whether the connection failed too soon after the request began to go out on it for the upstream to have
     * acted on it. The kernel of an upstream that closed a keep-alive connection as it was reused resets it one
     * round trip after the first bytes arrive; the window is a few round trips to the endpoint (the kernel's, see
     * {@link OriginConnection#roundTripNanos}) plus {@link #STALE_FAILURE_SLACK_NANOS} for event-loop delays,
     * counted from the first write, not from the end of the request: an upstream that took a slow upload to its end
     * and then reset the connection had the connection open all along, and may have worked on the request (and
     * crashed), as may one that reset it later; neither is a stale connection. The round trips are the network's,
     * not the proxy's own delays as it connected: a loaded proxy that timed loopback connects at 150 ms would
     * otherwise have taken any crash within 0.7 s of the request for a keep-alive race.
     */
    private static boolean failedBeforeTheUpstreamCouldAct(OriginAttempt attempt, long nowNanos) {
        OriginConnection conn = attempt.connection();
        return conn != null && attempt.connectedNanos() >= 0
                && nowNanos - attempt.connectedNanos() <= staleWindowNanos(conn.roundTripNanos());
    }

    /** How long after a reused connection's first write a reset is still a keep-alive race's: see above. */
    static long staleWindowNanos(long roundTripNanos) {
        return STALE_FAILURE_SLACK_NANOS + 4 * roundTripNanos;
    }

    /**
     * Whether the attempt timed out with nothing at all come back on its connection: no byte of a response, and no
     * acknowledgement from the upstream's kernel of what was sent (or a transport that cannot tell, NIO). The host is
     * gone or the path to it cut (a partition, a node that died, a NAT or load balancer that dropped the
     * connection's state), and every idle connection to it leads there too. An upstream merely slow to answer has
     * its kernel acknowledge the request at once, and keeps its idle connections.
     */
    static boolean timedOutOnASilentPath(OriginAttempt attempt, FailureKind kind) {
        return kind == FailureKind.TIMEOUT && nothingOfAResponseCame(attempt)
                && !KernelTcpInfo.peerAcknowledgedAll(attempt.connection().channel());
    }
}
