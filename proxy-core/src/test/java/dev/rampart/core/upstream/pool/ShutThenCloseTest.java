package dev.rampart.core.upstream.pool;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.LogCapture;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How a connection that is not going back to the pool ends. */
class ShutThenCloseTest {

    @Test
    void aConnectionResetBeforeTheLoopNoticedClosesWithoutATransportStackTraceInTheLog() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             PoolLoop pool = new PoolLoop("shut-test");
             LogCapture logs = LogCapture.start()) {
            Channel ch = pool.borrow(PoolLoop.settings("127.0.0.1:" + server.getLocalPort(), 4, Duration.ZERO, 8))
                    .channel();
            Socket accepted = server.accept();
            pool.onLoop(() -> {
                // The reset arrives while the loop is busy, as under load, when a request gives its connection up
                // in the same turn of the loop that brought the reset: the socket is gone, the channel still open.
                accepted.setSoLinger(true, 0);
                accepted.close();
                Thread.sleep(100);
                ShutThenClose.close(ch);
                return null;
            });
            Await.until(() -> !ch.isOpen(), "the connection is closed");
            // Shutting a reset socket down fails both ways (ENOTCONN): nothing worth a line, let alone a stack trace
            // per connection, as an overloaded upstream resets them.
            assertFalse(logs.dump().contains("Exception"), logs.dump());
        }
    }
}
