package dev.rampart.core.proxy;

import dev.rampart.core.timing.PollFirstTimeout;
import dev.rampart.core.upstream.pool.OriginConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelOutputShutdownException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.List;

/**
 * The request's side of one {@link OriginAttempt}: its upload (the head and what was kept of the body once
 * connected, then each chunk as it comes) until the request is whole or the upstream refuses the rest, when each
 * of those happened, and the two limits on the wait for the response head. The per-try timeout runs once the whole
 * request is written. Before that, while the request body flows, the upload stall runs whenever the upstream takes
 * none of it (the connection unwritable): a host cut off by a partition mid-upload keeps its window shut and never
 * sends a FIN or reset, and without it only the route's timeout would end the attempt (nginx's
 * {@code proxy_send_timeout} plays this part). Each time the upstream takes some of the body, the stall's wait
 * starts over. It exists so that the attempt keeps the response's state machine while the request's progress lives
 * here; what expiry means is still the attempt's to decide: each timer calls back into it.
 *
 * <p>Not thread-safe: every method runs on the attempt's upstream event loop.
 */
final class AttemptUpload {

    private final OriginAttempt attempt;
    private final AttemptLoop loop;
    private PollFirstTimeout perTry;
    private LazyDeadline uploadStall;
    private boolean bytesSent;
    private boolean complete;
    /** The upstream stopped taking the request body (a write failed): what is left of it is dropped. */
    private boolean refused;
    private long connectedNanos = -1;
    /** When the whole request had been written to the connection; -1 before. */
    private long writtenNanos = -1;

    AttemptUpload(OriginAttempt attempt, AttemptLoop loop) {
        this.attempt = attempt;
        this.loop = loop;
    }

    /**
     * When the call to the endpoint began, for its breaker's durations: once the whole request is written,
     * that moment, so that a client's slow upload is not counted as the endpoint's slowness (a slow-call
     * breaker opened on healthy endpoints behind slow uploads); before, once connected, the moment the
     * connection was there, so that time spent queued for one of the proxy's own connections is not
     * counted either; before that, the attempt's start.
     */
    long callStartNanos(long attemptStartNanos) {
        return writtenNanos >= 0 ? writtenNanos : connectedNanos >= 0 ? connectedNanos : attemptStartNanos;
    }

    /** When the attempt had its connection and began to write; -1 before (queued for one, or connecting). */
    long connectedNanos() {
        return connectedNanos;
    }

    /** Whether any byte of the request reached the upstream connection. */
    boolean bytesSent() {
        return bytesSent;
    }

    /** Whether the body still flows: the request is neither whole nor refused. */
    boolean inProgress() {
        return !complete && !refused;
    }

    /** Whether the whole request was written and none of it refused: the connection's framing can be trusted. */
    boolean intact() {
        return complete && !refused;
    }

    // ---- the upload ----------------------------------------------------------------------------------

    /**
     * Writes what the exchange has of the request on the connection just taken (unflushed); returns whether that
     * was the whole request.
     */
    boolean start(Channel ch, long nowNanos, HttpRequest head, List<ByteBuf> replay, boolean bodyComplete,
                  LastHttpContent lastOrNull) {
        connectedNanos = nowNanos;
        bytesSent = true;
        ch.write(head, ch.voidPromise());
        for (ByteBuf chunk : replay) {
            ch.write(new DefaultHttpContent(chunk), ch.voidPromise());
        }
        if (bodyComplete) {
            ch.write(lastOrNull != null ? lastOrNull : LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            written(nowNanos);
        }
        return bodyComplete;
    }

    /**
     * Writes one more chunk of the request body, whose ownership passes to the connection (a refused body's
     * chunk is released); returns whether the request is whole now. A chunk written while the client's read is
     * being handled is flushed with the others of that read (see {@link ClientReads}); any other at once, as is
     * the last.
     */
    boolean write(OriginConnection conn, HttpContent content, boolean flushWithTheRead) {
        if (refused) {
            content.release();
            return false;
        }
        boolean last = content instanceof LastHttpContent;
        if (last || !flushWithTheRead) {
            conn.writeAndFlush(content);
        } else {
            conn.holdBody(content);
        }
        if (last) {
            written(loop.nowNanos());
        }
        return last;
    }

    private void written(long nowNanos) {
        writtenNanos = nowNanos;
        complete = true;
        uploadOver();
    }

    /**
     * Whether {@code cause}, an error on the connection while it is still open, is the upstream refusing the rest
     * of the body; the upload is refused from then on if so. A write failed: the upstream closed or reset its
     * side, often right after answering early (an upload it refuses). That answer may be waiting to be read, and
     * it is what the client should get: the rest of the body is dropped and reading goes on. So even when the
     * whole body had been handed to the connection: a write fails when it is carried out, which may be after
     * that (a ring round trip later on io_uring, where one upload in twenty-five of eight at a time was answered
     * 502 UPSTREAM_RESET with the upstream's 413 unread). A read failure closes the connection, and the close
     * decides as usual.
     */
    boolean refusedBy(Throwable cause) {
        if (isFailedWrite(cause) || !complete && cause instanceof IOException) {
            refused = true;
            return true;
        }
        return false;
    }

    /**
     * Whether {@code cause} is a write the connection could not carry out: with {@code AUTO_CLOSE} off (see
     * {@code OriginPools}) Netty shuts the output down on a failed write and fails the writes pending with
     * {@link ChannelOutputShutdownException}, and those made after with {@link ClosedChannelException}, while the
     * connection is still open for reading.
     */
    private static boolean isFailedWrite(Throwable cause) {
        return cause instanceof ChannelOutputShutdownException || cause instanceof ClosedChannelException;
    }

    // ---- the limits on the wait for the head -----------------------------------------------------------

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
    private void uploadOver() {
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
