package dev.rampart.core.proxy;

import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Bounds a client's TLS handshake with the listener: one not complete within {@code request-header-timeout} of
 * its start closes the connection and fails as a timeout. The bound is a {@link PollFirstTimeout}, not Netty's
 * own handshake timeout: after a stop of the whole process (SIGSTOP, a cgroup freezer, a paused VM) Netty's timer
 * ran before the loop read the client's Finished that came during the stop, and closed, without an answer, the
 * connection of a client that had completed its handshake in time (the upstream side's handshake is bounded
 * the same way, for the same reason).
 */
final class ClientHandshakeBound {

    private final Channel ch;
    private final SslHandler tls;
    private final Consumer<Throwable> onFailure;
    /** The bound closed the connection: the handshake's failure that follows is the close, not news. */
    private boolean timedOut;

    private ClientHandshakeBound(Channel ch, SslHandler tls, Consumer<Throwable> onFailure) {
        this.ch = ch;
        this.tls = tls;
        this.onFailure = onFailure;
    }

    /**
     * Bounds the handshake of {@code tls}, added to {@code ch}'s pipeline as this is called, by
     * {@code timeoutNanos}; {@code onFailure} is told once why it failed, if it did: the timeout, or the cause it
     * failed with otherwise (the close that follows the timeout is not a second failure). Runs on {@code ch}'s loop.
     */
    static void install(Channel ch, SslHandler tls, long timeoutNanos, Consumer<Throwable> onFailure) {
        tls.setHandshakeTimeoutMillis(0); // Netty's own timer is off: the bound below replaces it
        ClientHandshakeBound bound = new ClientHandshakeBound(ch, tls, onFailure);
        PollFirstTimeout timeout = PollFirstTimeout.start(ch.eventLoop(), timeoutNanos,
                () -> bound.expire(timeoutNanos));
        tls.handshakeFuture().addListener(done -> {
            timeout.cancel();
            if (!done.isSuccess() && !bound.timedOut) {
                onFailure.accept(done.cause());
            }
        });
    }

    private void expire(long timeoutNanos) {
        if (tls.handshakeFuture().isDone()) {
            return;
        }
        timedOut = true;
        onFailure.accept(new SslHandshakeTimeoutException("handshake timed out after "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms"));
        ch.close();
    }
}
