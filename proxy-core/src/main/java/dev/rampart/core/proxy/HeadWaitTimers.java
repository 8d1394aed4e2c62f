package dev.rampart.core.proxy;

import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.channel.EventLoop;

/**
 * The two limits on an attempt's wait for its response head. The per-try timeout runs once the whole request is
 * written. Before that, while the request body flows, the upload stall runs whenever the upstream takes none of
 * it (the connection unwritable): a host cut off by a partition mid-upload keeps its window shut and never sends
 * a FIN or reset, and without it only the route's timeout would end the attempt (nginx's
 * {@code proxy_send_timeout} plays this part). Each time the upstream takes some of the body, the stall's wait
 * starts over. What expiry means is the attempt's to decide: each calls back into it.
 *
 * <p>Not thread-safe: every method runs on the attempt's upstream event loop.
 */
final class HeadWaitTimers {

    private final OriginAttempt attempt;
    private final AttemptLoop loop;
    private PollFirstTimeout perTry;
    private LazyDeadline uploadStall;

    HeadWaitTimers(OriginAttempt attempt, AttemptLoop loop) {
        this.attempt = attempt;
        this.loop = loop;
    }

    /** Starts the per-try timeout for the response head, once. */
    void startPerTry(EventLoop eventLoop) {
        if (perTry == null) {
            // Behind the I/O ready when it falls due: a head that came while the process was stopped is no timeout.
            perTry = PollFirstTimeout.start(eventLoop, loop.perTryTimeoutNanos(), loop.guarded(attempt::onPerTryTimeout));
        }
    }

    /** The response head came: the per-try timeout has nothing left to limit. */
    void stopPerTry() {
        if (perTry != null) {
            perTry.cancel();
            perTry = null;
        }
    }

    /** The upstream stopped taking the request body (its connection became unwritable): {@code server.idle-timeout} from now. */
    void uploadBlocked(EventLoop eventLoop) {
        if (uploadStall == null) {
            uploadStall = new LazyDeadline(eventLoop, loop.guarded(attempt::onUploadStalled));
        }
        uploadStall.arm(loop.uploadStallTimeoutNanos());
    }

    /** The upstream took some of the body (its connection writable again). */
    void uploadMoving() {
        if (uploadStall != null) {
            uploadStall.disarm();
        }
    }

    /**
     * The whole request is written: the stall limit has nothing left to watch. Its pending task is removed, not
     * left to run out: it holds the attempt, and with it the exchange, for {@code idle-timeout} (60 s by default)
     * after a response that ended long before, which at tens of thousands of uploads a second kept a gigabyte of
     * finished exchanges on the heap.
     */
    void uploadOver() {
        if (uploadStall != null) {
            uploadStall.cancel();
        }
    }

    /** The attempt is over: neither timer may fire. */
    void cancel() {
        stopPerTry();
        uploadOver();
    }
}
