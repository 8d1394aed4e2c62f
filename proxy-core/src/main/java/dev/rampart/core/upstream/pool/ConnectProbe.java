package dev.rampart.core.upstream.pool;

import dev.rampart.core.bytes.ReadBufferFallback;
import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One connect-only health-check probe ({@code type = tcp}): it passes once a connection to the endpoint is made,
 * and to an {@code https://} endpoint once the TLS handshake is done too, since traffic fails on a handshake that
 * fails (HAProxy's {@code check} on an {@code ssl} server does it as well; Envoy's TCP check does not). The
 * connection is then closed at once, no byte sent. It connects as {@link OriginProbe} does: every address of a
 * name in turn from the {@code sequence}-th, within the probe's timeout or {@code connect-timeout} if shorter, on
 * the probes' bootstrap, whose sockets the pools close at shutdown.
 */
final class ConnectProbe {

    private ConnectProbe() {
    }

    /** Starts a probe on {@code loop}; its future succeeds when the endpoint was reached, else fails with why. */
    static Future<Void> run(EventLoop loop, Bootstrap bootstrap, OriginPipeline pipeline, PoolSettings settings,
                            Duration timeout, int sequence) {
        Promise<Void> result = loop.newPromise();
        EndpointConnector connector = EndpointConnector.forProbe(loop, bootstrap, settings, timeout, sequence, null);
        // The handshake is bound by connect-timeout on its own: the probe's timeout bounds the whole of it.
        PollFirstTimeout deadline = PollFirstTimeout.start(loop, timeout.toNanos(), () -> result.tryFailure(
                new TimeoutException("health check timed out after " + timeout.toMillis() + " ms")));
        Future<Channel> connect = connector.connect(() -> new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ReadBufferFallback.install(ch);
                pipeline.addTlsAndCodec(ch, settings); // the TLS traffic would use, its trust and server name
            }
        });
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            Channel ch = connect.getNow();
            // Closed however the probe ends: passed, failed, timed out or cancelled.
            result.addListener(r -> ch.close());
            OriginPipeline.tlsHandshake(ch, settings).addListener(hs -> {
                if (hs.isSuccess()) {
                    result.trySuccess(null);
                } else {
                    pipeline.handshakeFailed(settings, hs.cause());
                    result.tryFailure(hs.cause());
                }
            });
        });
        result.addListener(r -> deadline.cancel());
        return result;
    }
}
