package dev.rampart.core.proxy;

import dev.rampart.core.resilience.FailureClassifier;
import dev.rampart.core.resilience.FailureKind;
import dev.rampart.core.upstream.Admitted;
import dev.rampart.core.upstream.Endpoint;
import dev.rampart.core.upstream.pool.OriginConnection;
import dev.rampart.core.upstream.pool.OriginListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.List;

/**
 * One attempt of an exchange on one borrowed upstream connection: writes the request (head, replayed
 * body, then the rest as it arrives), waits for the response head under the per-try timeout, then relays
 * the response body to the client, reading from the upstream only while the client can take more. The
 * request's side (its upload, and the limits on the wait for the head) is kept by its {@link AttemptUpload}.
 * Events go back to the {@link AttemptLoop} of its {@link Exchange} (relay events to its {@link AttemptRelay}).
 */
final class OriginAttempt implements OriginListener {

    private enum State { CONNECTING, AWAITING_HEAD, RELAYING, DONE }

    private final AttemptLoop loop;
    private final Endpoint endpoint;
    private final int number;
    private final long startNanos;
    private final AttemptVerdict verdict;
    private State state = State.CONNECTING;
    private OriginConnection conn;
    private boolean skippingInformational;
    private boolean sawInformational;
    private boolean responseKeepAlive;
    private final AttemptUpload upload;
    /** The route's response-idle-timeout on the body; null until a read leaves the body unfinished, or when off. */
    private BodyStallWatch stallWatch;

    OriginAttempt(AttemptLoop loop, Admitted admitted, int number, long startNanos) {
        this.loop = loop;
        this.upload = new AttemptUpload(this, loop);
        this.endpoint = admitted.endpoint();
        this.verdict = new AttemptVerdict(endpoint, admitted.breakerPhase());
        this.number = number;
        this.startNanos = startNanos;
    }

    Endpoint endpoint() {
        return endpoint;
    }

    int number() {
        return number;
    }

    /** When the call to the endpoint began, for its breaker's durations (see {@link AttemptUpload#callStartNanos}). */
    long callStartNanos() {
        return upload.callStartNanos(startNanos);
    }

    /** When the attempt had its connection and began to write; -1 before (queued for one, or connecting). */
    long connectedNanos() {
        return upload.connectedNanos();
    }

    /** The outcome this attempt gives its endpoint's breaker, once. */
    AttemptVerdict verdict() {
        return verdict;
    }

    /** The connection the attempt had or has; null before it had one and after a tunnel took it. */
    OriginConnection connection() {
        return conn;
    }

    /** Whether an interim (1xx) response came back ahead of the final one. */
    boolean sawInterimResponse() {
        return sawInformational;
    }

    /** Whether any byte of the request reached the upstream connection. */
    boolean bytesSent() {
        return upload.bytesSent();
    }

    /** Whether this attempt has its connection and still uses it. */
    boolean connectedAndActive() {
        return conn != null && state != State.DONE;
    }

    /** Whether this attempt still expects upstream events. */
    boolean active() {
        return state != State.DONE;
    }

    /** The connection is ready: write what the exchange has of the request. */
    void connected(OriginConnection connection, long nowNanos, HttpRequest head, List<ByteBuf> replay,
                   boolean bodyComplete, LastHttpContent lastOrNull) {
        conn = connection;
        conn.bind(this);
        state = State.AWAITING_HEAD;
        Channel ch = conn.channel();
        if (upload.start(ch, nowNanos, head, replay, bodyComplete, lastOrNull)) {
            awaitHead();
        }
        FlushBatch.flushSoon(ch);
        ch.read(); // an early response (e.g. 413 from the upstream) must be seen while the body still flows
    }

    /** Writes one more chunk of the request body (see {@link AttemptUpload#write}); this attempt owns it. */
    void writeBody(HttpContent content, boolean flushWithTheRead) {
        if (state == State.DONE || conn == null) {
            content.release();
            return;
        }
        if (upload.write(conn, content, flushWithTheRead)) {
            awaitHead();
        }
    }

    /** The client's read is handled: the body chunks it brought leave together. */
    void flushBody() {
        if (state != State.DONE && conn != null) {
            conn.flushHeld();
        }
    }

    boolean originWritable() {
        return conn != null && conn.channel().isWritable();
    }

    /** The client can take more of the response: read on. */
    void resumeRelay() {
        if (state == State.RELAYING) {
            conn.channel().read();
            watchBodyReads();
        }
    }

    /**
     * After a read of the response body, or a read asked for again: the wait for the upstream's next bytes is timed
     * while the relay reads on (the client takes what it is sent), and not while it holds back for the client.
     */
    private void watchBodyReads() {
        if (stallWatch == null) {
            long limit = loop.responseIdleTimeoutNanos();
            if (limit == 0) {
                return;
            }
            stallWatch = new BodyStallWatch(conn.channel().eventLoop(), limit, loop.guarded(this::onBodyStalled));
        }
        if (loop.relay().clientWritable()) {
            stallWatch.waiting();
        } else {
            stallWatch.paused();
        }
    }

    /** The upstream sent nothing of the body for the route's {@code response-idle-timeout}. */
    private void onBodyStalled() {
        if (state != State.RELAYING) {
            return;
        }
        if (!loop.relay().clientWritable()) {
            return; // the client's wait, not the upstream's: resumeRelay times the next one
        }
        if (!loop.relay().stalled(this)) {
            stallWatch.waiting(); // not the upstream's wait either (see AttemptRelay#stalled): time the next one
        }
    }

    /** The attempt is over: it expects no more upstream events, and times no more waits. */
    private void finish() {
        state = State.DONE;
        if (stallWatch != null) {
            stallWatch.stop();
        }
    }

    /**
     * Gives the connection up to a WebSocket tunnel after a 101: this attempt sees no more of it, and it
     * is never released to the pool by the attempt.
     */
    OriginConnection handOver() {
        finish();
        upload.cancel();
        OriginConnection handed = conn;
        conn = null;
        return handed;
    }

    /**
     * Stops the attempt after its response head was read (a status that is retried, or an error the envelope
     * replaces): the body is read and dropped so that the connection goes back to the pool, when the request
     * was written whole and the body is short (see {@link DiscardedResponse}); else the connection closes.
     */
    void discardResponse(HttpResponse head) {
        if (state != State.RELAYING || !upload.intact() || !responseKeepAlive
                || !DiscardedResponse.worthDraining(head)) {
            abandon();
            return;
        }
        finish();
        upload.cancel();
        DiscardedResponse.drain(conn);
    }

    /** Stops the attempt and closes its connection, which may be mid-request or mid-response. */
    void abandon() {
        if (state == State.DONE) {
            return;
        }
        finish();
        upload.cancel();
        if (conn != null) {
            conn.release(false);
        }
    }

    /** Starts the per-try timeout for the response head, once. */
    private void awaitHead() {
        if (state == State.AWAITING_HEAD) {
            upload.startPerTry(conn.channel().eventLoop());
        }
    }

    /** No response head within {@code per-try-timeout} of the whole request written. */
    void onPerTryTimeout() {
        if (state == State.AWAITING_HEAD) {
            loop.onAttemptFailed(this, FailureKind.TIMEOUT, null);
        }
    }

    /**
     * The upstream took none of the request body for {@code server.idle-timeout}, as a host cut off by a
     * partition does (its window stays shut, and no FIN or RST ever comes): the attempt times out, as nginx's
     * {@code proxy_send_timeout} ends it, rather than holding the client until the route's timeout.
     */
    void onUploadStalled() {
        if (state == State.AWAITING_HEAD && upload.inProgress() && !originWritable()) {
            loop.onAttemptFailed(this, FailureKind.TIMEOUT, null);
        }
    }

    /**
     * Upstream events run the exchange's logic; what that logic throws is a bug of the proxy, not an
     * upstream failure, so it goes to the exchange as such instead of up the origin pipeline (where it
     * would pass for a broken upstream connection).
     */
    @Override
    public void onOriginMessage(Object msg) {
        try {
            if (state == State.AWAITING_HEAD) {
                onMessageBeforeHead(msg);
            } else if (state == State.RELAYING) {
                onBodyMessage((HttpContent) msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        } catch (RuntimeException | AssertionError | OutOfMemoryError bug) {
            loop.onInternalError(bug);
        }
    }

    private void onMessageBeforeHead(Object msg) {
        if (msg instanceof HttpResponse response) {
            if (OriginHeadScreen.failsAttempt(this, loop, response)) {
                return;
            }
            if (OriginHeadScreen.isInterim(response)) {
                skippingInformational = true;
                sawInformational = true;
                OriginHeadScreen.passInterim(this, loop, response);
                return;
            }
            upload.stopPerTry();
            responseKeepAlive = HttpUtil.isKeepAlive(response);
            state = State.RELAYING;
            if (!loop.onResponseHead(this, response)) {
                return; // the exchange abandoned this attempt (retry or rewritten error)
            }
            if (msg instanceof HttpContent content) {
                onBodyMessage(content);
            } else if (loop.relay().clientWritable()) {
                conn.channel().read();
            }
        } else if (msg instanceof HttpContent content && skippingInformational) {
            skippingInformational = !(content instanceof LastHttpContent);
            OriginHeadScreen.skipInterimBody(this, content);
        } else {
            OriginHeadScreen.failUnexpected(this, loop, msg);
        }
    }

    private void onBodyMessage(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            content.release();
            loop.relay().broken(this, FailureKind.BAD_RESPONSE);
            return;
        }
        if (content instanceof LastHttpContent) {
            finish();
            boolean reusable = upload.intact() && responseKeepAlive;
            // Hand the connection back first: the response is fully read, and the client write may complete
            // at once, ending the exchange and starting the connection's next request (pipelined, or read
            // behind a refused upgrade), which should find this connection in the pool.
            conn.release(reusable);
            loop.relay().last(this, (LastHttpContent) content);
            return;
        }
        loop.relay().content(content);
        if (loop.relay().clientWritable()) {
            conn.channel().read();
        }
    }

    @Override
    public void onOriginClosed() {
        loop.guarded(() -> {
            if (state == State.AWAITING_HEAD) {
                loop.onAttemptFailed(this, FailureKind.RESET, null);
            } else if (state == State.RELAYING) {
                loop.relay().broken(this, FailureKind.RESET);
            }
        }).run();
    }

    @Override
    public void onOriginError(Throwable cause) {
        if (ResourceShortage.isMemory(cause)) {
            // No buffer for what the upstream sent: the proxy's shortage, not the upstream's failure (no breaker
            // failure, no retry that would need more buffers still).
            if (state != State.DONE) {
                loop.onInternalError(cause);
            }
            return;
        }
        loop.guarded(() -> {
            if (state != State.DONE && conn != null && conn.channel().isActive() && upload.refusedBy(cause)) {
                // The upstream refused the rest of the body: its early answer may be waiting to be read.
                if (state == State.AWAITING_HEAD) {
                    awaitHead();
                    conn.channel().read();
                } // relaying, reads go on as the client takes the response
                return;
            }
            FailureKind kind = FailureClassifier.classifyTransportFailure(cause).orElse(FailureKind.RESET);
            if (state == State.AWAITING_HEAD) {
                loop.onAttemptFailed(this, kind, cause);
            } else if (state == State.RELAYING) {
                loop.relay().broken(this, kind);
            }
        }).run();
    }

    @Override
    public void onOriginReadComplete() {
        if (state == State.RELAYING) {
            loop.relay().readComplete(); // parts relayed from the read leave together
            if (state == State.RELAYING) { // the flush may have ended the exchange
                watchBodyReads();
            }
        }
    }

    @Override
    public void onOriginWritabilityChanged(boolean writable) {
        if (state == State.DONE) {
            return;
        }
        if (!writable) {
            // The outbound buffer filled while the body flows: the upstream takes nothing more until it drains.
            if (state == State.AWAITING_HEAD && upload.inProgress()) {
                upload.uploadBlocked(conn.channel().eventLoop());
            }
            return;
        }
        upload.uploadMoving();
        loop.relay().originWritable(this);
    }
}
