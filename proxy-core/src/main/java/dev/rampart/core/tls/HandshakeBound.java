package dev.rampart.core.tls;

import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Bounds a TLS handshake with a {@link PollFirstTimeout} in place of Netty's own handshake timer, on either side of
 * the proxy (a client's handshake with the listener, the proxy's with an upstream endpoint). After a stop of the whole
 * process (SIGSTOP, a cgroup freezer, a paused VM) Netty's timer ran before the loop read the peer's flight that came
 * during the stop, and cut a handshake that had completed in time; this bound falls due behind the I/O ready by then.
 * The caller turns Netty's timer off ({@code setHandshakeTimeoutMillis(0)}) before the handshake starts.
 */
public final class HandshakeBound {

    private HandshakeBound() {
    }

    /**
     * Bounds the handshake of {@code ssl}, in {@code ch}'s pipeline or about to be, by {@code timeoutNanos}: if it has
     * not ended by then, {@code onExpiry} is told, with the {@link SslHandshakeTimeoutException} Netty's own timeout
     * gives, and {@code ch} closes. Called on {@code ch}'s loop.
     */
    public static void start(Channel ch, SslHandler ssl, long timeoutNanos,
                             Consumer<SslHandshakeTimeoutException> onExpiry) {
        PollFirstTimeout bound = PollFirstTimeout.start(ch.eventLoop(), timeoutNanos, () -> {
            if (!ssl.handshakeFuture().isDone()) {
                onExpiry.accept(new SslHandshakeTimeoutException("handshake timed out after "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + "ms"));
                ch.close();
            }
        });
        ssl.handshakeFuture().addListener(done -> bound.cancel());
    }
}
