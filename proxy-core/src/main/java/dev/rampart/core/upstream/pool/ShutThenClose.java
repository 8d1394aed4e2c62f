package dev.rampart.core.upstream.pool;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;

/**
 * Closes an upstream connection that is not going back to the pool by shutting both its directions first. On
 * io_uring a read or a write still in flight holds the socket after its descriptor is closed: an upstream that
 * answered early and waits for the rest of an upload (or sends nothing more) then never sees the end of the
 * connection, and the kernel keeps it open with no descriptor left to close it by. A shutdown reaches the socket
 * itself: the upstream gets its FIN at once and the operations in flight end, so the close frees it.
 */
final class ShutThenClose {

    private ShutThenClose() {
    }

    static void close(Channel ch) {
        // Over TLS the close sends close_notify first, which a shutdown would cut off: such a connection is closed
        // as it was (whether io_uring holds a TLS socket the same way was not seen).
        if (ch instanceof DuplexChannel duplex && ch.isActive() && ch.pipeline().get(SslHandler.class) == null) {
            // One direction, then the other: a socket the upstream reset before the loop noticed fails both
            // (ENOTCONN), which is nothing to report, and Netty's shutdown() of both logs such a pair at INFO with
            // a stack trace, one per connection under an upstream that resets them as it is overloaded.
            duplex.shutdownOutput().addListener(output -> duplex.shutdownInput().addListener(input -> ch.close()));
        } else {
            ch.close();
        }
    }
}
