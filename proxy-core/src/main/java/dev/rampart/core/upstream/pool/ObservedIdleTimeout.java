package dev.rampart.core.upstream.pool;

import java.util.concurrent.TimeUnit;

/**
 * How long an upstream that says nothing of its keep-alive timeout (nginx's {@code keepalive_timeout}, gunicorn,
 * uvicorn: no {@code Keep-Alive} field) was seen to keep an idle connection: the longest a pooled connection sat
 * idle before the upstream closed it. Its timer closes each connection that idle long, so a connection idle
 * nearly as long again may be closing as a request is written onto it, and a POST could not be sent again. A
 * connection is then taken only well within it, with the margin of {@link KeepAliveHint}: a second less, or
 * half of it when under two seconds.
 *
 * <p>Closes after less than {@link #FLOOR_NANOS} of idleness teach nothing: no keep-alive timer is that short,
 * and such closes come from restarts and reloads, which close idle connections whatever their age; one of those
 * would otherwise stop the reuse of every connection idle more than a moment. The longest close seen, not the
 * last, counts for the same reason. What is learnt is forgotten {@link #MEMORY_NANOS} after it was last seen (a close
 * after at least the idleness the pool still takes a connection at sees it again; a sooner one does not),
 * since the pool, closing such connections itself, no longer sees the upstream close them: a restart that
 * happened to close connections after a few seconds' idleness costs reuse for that long only, and an upstream
 * whose timer is real is learnt again at its next close.
 */
final class ObservedIdleTimeout {

    static final long FLOOR_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long MEMORY_NANOS = TimeUnit.MINUTES.toNanos(5);

    private long longestIdleClosedNanos = -1;
    private long seenAtNanos;

    /** The upstream closed a connection that had been idle in the pool for {@code idleNanos}; {@code now} on the pool's ticker. */
    void upstreamClosedIdle(long idleNanos, long now) {
        if (idleNanos < FLOOR_NANOS) {
            return;
        }
        if (forgotten(now) || idleNanos > longestIdleClosedNanos) {
            longestIdleClosedNanos = idleNanos;
            seenAtNanos = now;
        } else if (idleNanos >= KeepAliveHint.withMargin(longestIdleClosedNanos)) {
            seenAtNanos = now;
        }
        // A close sooner than that, of a connection the pool would still have taken, does not keep the longer
        // timer in memory: it is a restart, or an upstream whose timer became shorter (redeployed, or another
        // server behind the same address), which would otherwise never be learnt while its closes kept coming.
    }

    /** How long a connection may have been idle and still be taken; {@link KeepAliveHint#NONE} when nothing is known. */
    long reusableIdleNanos(long now) {
        if (forgotten(now)) {
            return KeepAliveHint.NONE;
        }
        return KeepAliveHint.withMargin(longestIdleClosedNanos);
    }

    private boolean forgotten(long now) {
        return longestIdleClosedNanos < 0 || now - seenAtNanos >= MEMORY_NANOS;
    }
}
