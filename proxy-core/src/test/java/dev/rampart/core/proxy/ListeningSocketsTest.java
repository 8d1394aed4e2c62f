package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On epoll and io_uring each event loop listens on the port itself (SO_REUSEPORT) and serves the connections it
 * accepts, with no hand-over from an accepting thread; the port still refuses a second listener, as a port in use
 * should. NIO keeps one acceptor that hands connections to the loops.
 */
class ListeningSocketsTest {

    private static final String DIRECT = ProxyHarness.config("app { endpoints = [\"127.0.0.1:9\"] }",
            "{ name = direct, match { path-prefix = \"/\" }, respond { status = 200, body = \"direct\" } }");
    private static final String PER_LOOP = DIRECT + "rampart.server { reuse-port = true }\n";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void eachEventLoopServesTheConnectionsItAccepted(String transport) {
        ProxyHarness proxy = closing.add(ProxyHarness.start(PER_LOOP, Transports.named(transport)));
        List<Channel> served = connectAndServe(proxy, 32);
        Set<EventLoop> loops = new HashSet<>();
        for (Channel ch : served) {
            assertSame(ch.parent().eventLoop(), ch.eventLoop(), "accepted on the loop that serves it");
            loops.add(ch.eventLoop());
        }
        assertEquals(2, loops.size(), "the kernel spreads 32 connections over both loops' sockets");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll"})
    void byDefaultAndOnNioOneAcceptorHandsTheConnectionsToTheLoopsInTurn(String transport) {
        String config = transport.equals("nio") ? PER_LOOP : DIRECT; // NIO has no SO_REUSEPORT whatever is asked
        ProxyHarness proxy = closing.add(ProxyHarness.start(config, Transports.named(transport)));
        Set<EventLoop> loops = new HashSet<>();
        for (Channel ch : connectAndServe(proxy, 4)) {
            assertNotSame(ch.parent().eventLoop(), ch.eventLoop());
            loops.add(ch.eventLoop());
        }
        assertEquals(2, loops.size(), "four connections, two loops in turn");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aSecondListenerOnTheSamePortIsRefusedAsAPortInUse(String transport) {
        ProxyHarness first = closing.add(ProxyHarness.start(PER_LOOP, Transports.named(transport)));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> closing.add(ProxyHarness.start(
                PER_LOOP + "rampart.server { port = " + first.port() + " }\n", Transports.named(transport))));
        assertTrue(refused.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port() + ": "),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        try (RawHttp raw = first.raw()) {
            assertEquals("direct", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text(), "the first still serves");
        }
    }

    /**
     * A name is every address it resolves to, as nginx binds them: with {@code ::1 localhost} beside
     * {@code 127.0.0.1 localhost} in the hosts file, a client that takes {@code localhost} as {@code ::1} (Node.js
     * 17 to 19 try no other) must reach a listener on {@code localhost} too, not only one that takes 127.0.0.1.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll"})
    void aListenerOnANameListensOnEachOfItsAddressesOnOnePort(String transport) throws IOException {
        assumeIpv6Loopback();
        Transport chosen = Transports.named(transport);
        EventLoopGroup loops = chosen.newEventLoopGroup(2, "names-test");
        List<Channel> listening = List.of();
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().channel(chosen.serverChannelClass())
                    .childHandler(new Greeting());
            ListeningSockets.HostAddresses bothLoopbacks = host -> List.of(InetAddress.getByName("127.0.0.1"),
                    InetAddress.getByName("::1"));
            for (boolean reusePort : new boolean[] {false, true}) {
                listening = ListeningSockets.bind(bootstrap, ChannelInboundHandlerAdapter::new, chosen, reusePort,
                        loops, loops, "dual.example", 0, bothLoopbacks);
                int port = ((InetSocketAddress) listening.get(0).localAddress()).getPort();
                assertEquals("here", greeting("127.0.0.1", port), "reuse-port " + reusePort);
                assertEquals("here", greeting("::1", port), "reuse-port " + reusePort + ": ::1 on the same port");
                listening.forEach(ch -> ch.close().syncUninterruptibly());
            }
        } finally {
            listening.forEach(Channel::close);
            loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A container with IPv6 turned off still lists {@code ::1 localhost}: an address of the name that no interface
     * here has is left out while another is bound (here 192.0.2.1, a documentation address), so that turning names
     * into all their addresses stops no start that one address served; alone, it still stops the start.
     */
    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll"})
    void anAddressOfTheNameThatIsNotOnThisHostIsLeftOutWhileAnotherIsBound(String transport) throws IOException {
        Transport chosen = Transports.named(transport);
        EventLoopGroup loops = chosen.newEventLoopGroup(2, "names-test");
        List<Channel> listening = List.of();
        try {
            ServerBootstrap bootstrap = new ServerBootstrap().channel(chosen.serverChannelClass())
                    .childHandler(new Greeting());
            InetAddress elsewhere = InetAddress.getByName("192.0.2.1");
            listening = ListeningSockets.bind(bootstrap, ChannelInboundHandlerAdapter::new, chosen, false, loops,
                    loops, "half.example", 0, host -> List.of(elsewhere, InetAddress.getByName("127.0.0.1")));
            assertEquals(1, listening.size());
            int port = ((InetSocketAddress) listening.get(0).localAddress()).getPort();
            assertEquals("here", greeting("127.0.0.1", port));
            IllegalStateException alone = assertThrows(IllegalStateException.class, () -> ListeningSockets.bind(
                    bootstrap, ChannelInboundHandlerAdapter::new, chosen, false, loops, loops, "gone.example", 0,
                    host -> List.of(elsewhere)));
            assertTrue(alone.getMessage().startsWith("cannot listen on gone.example:0: "), alone.getMessage());
        } finally {
            listening.forEach(Channel::close);
            loops.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Says "here" to each connection and closes it. */
    @ChannelHandler.Sharable
    private static final class Greeting extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.copiedBuffer("here", StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void assumeIpv6Loopback() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            assertTrue(probe.getLocalPort() > 0);
        } catch (IOException noIpv6) {
            assumeTrue(false, "no IPv6 loopback here: " + noIpv6);
        }
    }

    private static String greeting(String address, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(address), port), 10_000);
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** {@code n} clients each get an answer; the proxy's side of their connections. */
    private List<Channel> connectAndServe(ProxyHarness proxy, int n) {
        for (int i = 0; i < n; i++) {
            RawHttp raw = closing.add(proxy.raw());
            assertEquals("direct", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
        }
        List<Channel> open = new ArrayList<>(proxy.listener().connections());
        assertEquals(n, open.size());
        return open;
    }
}
