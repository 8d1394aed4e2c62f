package dev.rampart.core.proxy;

import dev.rampart.core.config.ServerConfig;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The three timers of one client connection: idle (a kept-alive connection waiting for its next request),
 * request head (from a request's first byte to its complete head) and request body (between two reads of
 * the body). At most one of idle and head runs at a time, except while an unfinished TLS record may hold a
 * head: then both run; the head timer ends the wait, and an idle one that ends first waits once more, for a
 * record that held no head. Kept apart from {@link ClientRequestHandler} so
 * that the handler reads requests while this holds the timers; what a timer does when it fires is the
 * handler's to say. Idle and head are re-armed for every request on a kept-alive connection, so they are
 * {@link LazyDeadline}s: one pending task per connection instead of a schedule and a cancel per request.
 */
final class ClientConnectionTimers {

    private final EventExecutor executor;
    private final LazyDeadline idleTimer;
    private final LazyDeadline headTimer;
    private ScheduledFuture<?> bodyTimer;

    ClientConnectionTimers(EventExecutor executor, Runnable onIdle, Runnable onHeadTimeout) {
        this.executor = executor;
        this.idleTimer = new LazyDeadline(executor, onIdle);
        this.headTimer = new LazyDeadline(executor, onHeadTimeout);
    }

    /** The connection waits for a request. */
    void armIdle(long timeoutNanos) {
        idleTimer.arm(timeoutNanos);
    }

    /**
     * A new connection waits for the first byte of its first request no longer than {@code
     * request-header-timeout}, shorter than {@code idle-timeout} by default: one that never sends a byte holds
     * a connection as a slowloris does (nginx's {@code client_header_timeout} and HAProxy's {@code timeout
     * http-request} count from the accept too). It is closed silently when that passes, as an idle one is.
     */
    void armFirstRequestWait(ServerConfig server) {
        idleTimer.arm(Math.min(server.idleTimeout().toNanos(), server.requestHeaderTimeout().toNanos()));
    }

    /**
     * The first byte of a request arrived: the idle wait ends and the wait for the whole head begins (what
     * is left of it, when the head's TLS record began earlier).
     */
    void armHead(long timeoutNanos) {
        idleTimer.disarm();
        headTimer.arm(timeoutNanos);
    }

    /**
     * Part of a TLS record arrived, which may hold a request head: the head timer starts, and the idle timer
     * keeps its deadline, since the record may turn out to hold no request.
     */
    void armHeadBesideIdle(long timeoutNanos) {
        headTimer.arm(timeoutNanos);
    }

    /** The TLS records that armed the head timer held no request head: the connection is idle again. */
    void disarmHead() {
        headTimer.disarm();
    }

    /** The whole head arrived: neither the idle nor the head timer applies to this request any more. */
    void headArrived() {
        headTimer.disarm();
        idleTimer.disarm();
    }

    /** A read of the request body was asked for; it must bring something within the timeout. */
    void armBody(long timeoutNanos, Runnable onBodyTimeout) {
        cancel(bodyTimer);
        bodyTimer = executor.schedule(() -> {
            bodyTimer = null;
            onBodyTimeout.run();
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    /** Body content arrived, or the request is over: the body timer stops. */
    void cancelBody() {
        cancel(bodyTimer);
        bodyTimer = null;
    }

    /** The connection closed. */
    void cancelAll() {
        idleTimer.cancel();
        headTimer.cancel();
        cancel(bodyTimer);
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
