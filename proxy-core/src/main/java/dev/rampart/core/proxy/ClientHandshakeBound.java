package dev.rampart.core.proxy;

import dev.rampart.core.tls.HandshakeBound;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.util.function.Consumer;

/**
 * Bounds a client's TLS handshake with the listener: one not complete within {@code request-header-timeout} of
 * its start closes the connection and fails as a timeout, by a {@link HandshakeBound} rather than Netty's own
 * timer, so that a handshake the client completed while the process was stopped is served, not cut (the upstream
 * side's handshake is bounded the same way). A failure is told once: the close that follows the timeout is not a
 * second one.
 */
final class ClientHandshakeBound {

    private ClientHandshakeBound() {
    }

    /**
     * Bounds the handshake of {@code tls}, added to {@code ch}'s pipeline as this is called, by
     * {@code timeoutNanos}; {@code onFailure} is told once why it failed, if it did: the timeout, or the cause it
     * failed with otherwise. Runs on {@code ch}'s loop.
     */
    static void install(Channel ch, SslHandler tls, long timeoutNanos, Consumer<Throwable> onFailure) {
        tls.setHandshakeTimeoutMillis(0); // Netty's own timer is off: the bound replaces it
        boolean[] timedOut = new boolean[1];
        HandshakeBound.start(ch, tls, timeoutNanos, timeout -> {
            timedOut[0] = true;
            onFailure.accept(timeout);
        });
        tls.handshakeFuture().addListener(done -> {
            if (!done.isSuccess() && !timedOut[0]) {
                onFailure.accept(done.cause());
            }
        });
    }
}
