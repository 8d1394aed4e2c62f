package dev.rampart.core.upstream.pool;

import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connect that begins after the upstream resolvers were closed (the end of the process, a health probe going on
 * to its endpoint's next address) makes no resolver of its own: Netty's group would make one, with a datagram
 * socket that no resolver closes, whose pending receive's buffer was left unreleased when the loop ended.
 */
class StoppableResolverGroupTest {

    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "resolver-close-test");
    private final EventLoop loop = group.next();
    private final List<DatagramChannel> sockets = new CopyOnWriteArrayList<>();
    private final StoppableResolverGroup resolvers = new StoppableResolverGroup(new DnsNameResolverBuilder()
            .datagramChannelFactory(() -> {
                DatagramChannel socket = new ReflectiveChannelFactory<>(transport.datagramChannelClass()).newChannel();
                sockets.add(socket);
                return socket;
            }));
    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("ok"));

    @AfterEach
    void stop() {
        resolvers.close();
        for (DatagramChannel socket : sockets) {
            socket.close().awaitUninterruptibly(5, TimeUnit.SECONDS); // what a resolver made after its close left open
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        upstream.close();
    }

    @Test
    void aConnectAfterTheCloseFailsWithoutOpeningAResolverSocket() {
        ChannelFuture before = connect();
        assertTrue(before.awaitUninterruptibly(10, TimeUnit.SECONDS) && before.isSuccess(), "connects while open");
        before.channel().close().syncUninterruptibly();
        assertEquals(1, sockets.size(), "the loop's resolver, made by the first connect");

        resolvers.close();
        ChannelFuture after = connect();

        assertTrue(after.awaitUninterruptibly(10, TimeUnit.SECONDS), "the connect ends");
        assertFalse(after.isSuccess(), "refused: the resolvers are closed");
        assertEquals(1, sockets.size(), "no resolver, and no datagram socket, made after the close");
    }

    private ChannelFuture connect() {
        return new Bootstrap().group(loop).channel(transport.socketChannelClass()).resolver(resolvers)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new InetSocketAddress("127.0.0.1", upstream.port()));
    }
}
