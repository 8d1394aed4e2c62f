package dev.rampart.core.resilience;

import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.StacklessClosedChannelException;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslClosedEngineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.rampart.core.resilience.FailureClassifier.classifyConnectFailure;
import static dev.rampart.core.resilience.FailureClassifier.classifyTransportFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class FailureClassifierTest {

    // --- connect failures, real ones first ---

    @Test
    void aRealRefusedJdkSocketConnectIsConnectRefused() throws IOException {
        int port = FakeUpstream.refusingPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            fail("connect to a closed port succeeded");
        } catch (ConnectException refused) {
            assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(refused));
            assertEquals(Optional.of(FailureKind.CONNECT_REFUSED), classifyTransportFailure(refused));
        }
    }

    @Test
    void aRealRefusedNettyNioConnectIsConnectRefused() throws Exception {
        Throwable cause = refusedNettyConnect(NioIoHandler.newFactory(), NioSocketChannel.class);
        assertTrue(cause.getClass().getName().endsWith("AnnotatedConnectException"), cause.getClass().getName());
        assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(cause));
    }

    @Test
    void aRealRefusedNettyEpollConnectIsConnectRefused() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        Throwable cause = refusedNettyConnect(EpollIoHandler.newFactory(), EpollSocketChannel.class);
        assertInstanceOf(ConnectException.class, cause);
        assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(cause));
    }

    @Test
    void aRealRefusedNettyIoUringConnectIsConnectRefused() throws Exception {
        Transport ioUring = Transports.named("io_uring");
        Throwable cause = refusedNettyConnect(ioUring.ioHandlerFactory(), ioUring.socketChannelClass());
        // "io_uring connect(..) failed with error(-111): Connection refused"
        assertInstanceOf(ConnectException.class, cause);
        assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(cause));
    }

    @Test
    void connectTimeoutsAreConnectTimeout() {
        assertEquals(FailureKind.CONNECT_TIMEOUT,
                classifyConnectFailure(new ConnectTimeoutException("connection timed out after 1000 ms: /10.0.0.1:80")));
        assertEquals(FailureKind.CONNECT_TIMEOUT, classifyConnectFailure(new ConnectException("Connection timed out")));
        assertEquals(FailureKind.CONNECT_TIMEOUT, classifyConnectFailure(new SocketTimeoutException("connect timed out")));
        assertEquals(FailureKind.CONNECT_TIMEOUT,
                classifyConnectFailure(new SslHandshakeTimeoutException("handshake timed out after 10000ms")));
    }

    @Test
    void unreachableDestinationsAreUnreachable() {
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new UnknownHostException("no-such-host.invalid")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new NoRouteToHostException("No route to host")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new PortUnreachableException("ICMP Port Unreachable")));
        // epoll reports ENETUNREACH as a plain ConnectException, NIO as a SocketException
        assertEquals(FailureKind.UNREACHABLE,
                classifyConnectFailure(new ConnectException("connect(..) failed: Network is unreachable")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new SocketException("Network is unreachable")));
        // epoll's EAFNOSUPPORT (an IPv6 address for the IPv4-only sockets of -Djava.net.preferIPv4Stack=true):
        // nothing refused it
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new ConnectException(
                "connect(..) failed with error(-97): Address family not supported by protocol")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new SSLHandshakeException("PKIX path building failed")));
    }

    @Test
    void aNativeConnectErrnoThatIsNoRefusalIsUnreachableAsNioHasIt() {
        // What epoll and io_uring raised against a local route of type prohibit (EACCES) and blackhole
        // (EINVAL): nothing at the endpoint refused, and NIO raises other SocketExceptions for the same errnos.
        ConnectException prohibitOnEpoll = new ConnectException(
                "connect(..) failed with error(-13): Permission denied: /10.0.0.1:80");
        ConnectException blackholeOnIoUring = new ConnectException(
                "io_uring connect(..) failed with error(-22): Invalid argument");
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(prohibitOnEpoll));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(blackholeOnIoUring));
        assertEquals(Optional.of(FailureKind.UNREACHABLE), classifyTransportFailure(prohibitOnEpoll));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new BindException("Permission denied")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new SocketException("Invalid argument")));
    }

    @Test
    void aNativeRefusalIsReadFromItsErrnoNotFromTheLocalesPhrase() {
        assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(new ConnectException(
                "finishConnect(..) failed with error(-111): Verbindungsaufbau abgelehnt: /10.0.0.1:80")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new ConnectException(
                "connect(..) failed with error(-1): Vorgang nicht zulässig")));
    }

    @Test
    void aHostNameThatLooksLikeAnErrorPhraseDoesNotChangeTheKind() {
        ConnectException refused = new ConnectException("Connection refused: unreachable-timed-out.example/10.0.0.1:80");
        assertEquals(FailureKind.CONNECT_REFUSED, classifyConnectFailure(refused));
    }

    @Test
    void anUnrecognisedConnectFailureIsUnreachable() {
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(new ChannelException("Unable to create Channel")));
    }

    @Test
    void theProxyOutOfFileDescriptorsIsALocalShortageNotTheEndpoints() {
        // What Netty's epoll transport raises when it cannot create the socket for a connect (EMFILE).
        Throwable emfile = new ChannelException("Unable to create Channel from class class EpollSocketChannel",
                new IOException("newSocketStream(..) failed: Too many open files"));
        assertTrue(FailureClassifier.isLocalResourceExhaustion(emfile));
        assertTrue(FailureClassifier.isLocalResourceExhaustion(new java.net.SocketException("Too many open files")));
        assertFalse(FailureClassifier.isLocalResourceExhaustion(new ConnectException("Connection refused")));
        assertFalse(FailureClassifier.isLocalResourceExhaustion(null));
    }

    @Test
    void theCauseChainIsWalked() {
        Throwable wrapped = new ChannelException("connect failed",
                new IllegalStateException("layer", new NoRouteToHostException("No route to host")));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(wrapped));
        assertEquals(Optional.of(FailureKind.RESET),
                classifyTransportFailure(new RuntimeException("wrapper", new IOException("Connection reset by peer"))));
    }

    // --- failures on an established connection ---

    @Test
    void aTlsRecordTheProxyCannotReadIsABadResponseNotAReset() {
        // An SSLException is an IOException: taken for a reset, the attempt would be retried as if the
        // upstream had gone away, when it answered with something no TLS stack can read.
        assertEquals(Optional.of(FailureKind.BAD_RESPONSE),
                classifyTransportFailure(new javax.net.ssl.SSLException("bad_record_mac")));
    }

    @Test
    void aPromiseThatTimedOutIsATimeout() {
        assertEquals(Optional.of(FailureKind.TIMEOUT),
                classifyTransportFailure(new java.util.concurrent.TimeoutException("per-try timeout")));
    }

    @Test
    void aRealResetOnAJdkSocketIsReset() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            try (Socket accepted = server.accept()) {
                accepted.setSoLinger(true, 0); // close with RST
            }
            InputStream in = client.getInputStream();
            IOException reset = assertThrows(IOException.class, () -> {
                while (in.read() >= 0) {
                    // drain until the RST surfaces
                }
                throw new IOException("closed without a reset");
            });
            assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(reset), reset.toString());
        }
    }

    @Test
    void aRealResetOnANettyNioChannelIsReset() throws Exception {
        Throwable cause = resetNettyRead(NioIoHandler.newFactory(), NioSocketChannel.class);
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(cause), cause.toString());
    }

    @Test
    void aRealResetOnANettyEpollChannelIsReset() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        Throwable cause = resetNettyRead(EpollIoHandler.newFactory(), EpollSocketChannel.class);
        // "recvAddress(..) failed with error(-104): Connection reset by peer"
        assertTrue(cause.getClass().getName().endsWith("NativeIoException"), cause.toString());
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(cause), cause.toString());
    }

    @Test
    void aRealResetOnANettyIoUringChannelIsReset() throws Exception {
        Transport ioUring = Transports.named("io_uring");
        Throwable cause = resetNettyRead(ioUring.ioHandlerFactory(), ioUring.socketChannelClass());
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(cause), cause.toString());
    }

    @Test
    void closuresAreReset() {
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(new IOException("Connection reset by peer")));
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(new SocketException("Broken pipe")));
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(new ClosedChannelException()));
        assertEquals(Optional.of(FailureKind.RESET),
                classifyTransportFailure(StacklessClosedChannelException.newInstance(getClass(), "write")));
        assertEquals(Optional.of(FailureKind.RESET),
                classifyTransportFailure(new PrematureChannelClosureException("channel gone inactive with 1 missing response(s)")));
        assertEquals(Optional.of(FailureKind.RESET), classifyTransportFailure(new SslClosedEngineException("SSLEngine closed")));
    }

    @Test
    void malformedResponsesAreBadResponse() {
        assertEquals(Optional.of(FailureKind.BAD_RESPONSE),
                classifyTransportFailure(new DecoderException(new IllegalArgumentException("invalid version format: XTTP/1.1"))));
        assertEquals(Optional.of(FailureKind.BAD_RESPONSE), classifyTransportFailure(new TooLongFrameException("too long")));
        assertEquals(Optional.of(FailureKind.BAD_RESPONSE),
                classifyTransportFailure(new TooLongHttpLineException("An HTTP line is larger than 4096 bytes.")));
        assertEquals(Optional.of(FailureKind.BAD_RESPONSE),
                classifyTransportFailure(new DecoderException(new NotSslRecordException("not an SSL/TLS record"))));
    }

    @Test
    void aHandshakeFailureInsideADecoderExceptionIsAConnectFailureNotABadResponse() {
        assertEquals(Optional.of(FailureKind.UNREACHABLE),
                classifyTransportFailure(new DecoderException(new SSLHandshakeException("certificate_unknown"))));
        assertEquals(Optional.of(FailureKind.CONNECT_TIMEOUT),
                classifyTransportFailure(new SslHandshakeTimeoutException("handshake timed out")));
    }

    @Test
    void readTimeoutsAreTimeout() {
        assertEquals(Optional.of(FailureKind.TIMEOUT), classifyTransportFailure(ReadTimeoutException.INSTANCE));
        assertEquals(Optional.of(FailureKind.TIMEOUT), classifyTransportFailure(new SocketTimeoutException("Read timed out")));
    }

    @Test
    void aBugInTheProxyIsNotAnUpstreamFailure() {
        assertEquals(Optional.empty(), classifyTransportFailure(new NullPointerException()));
        assertEquals(Optional.empty(), classifyTransportFailure(new IllegalStateException("unexpected message")));
    }

    @Test
    void aCyclicCauseChainTerminates() {
        IllegalStateException a = new IllegalStateException("a");
        IllegalArgumentException b = new IllegalArgumentException("b", a);
        a.initCause(b);
        assertEquals(Optional.empty(), classifyTransportFailure(a));
        assertEquals(FailureKind.UNREACHABLE, classifyConnectFailure(a));
    }

    @Test
    void nullIsRejected() {
        assertThrows(NullPointerException.class, () -> classifyConnectFailure(null));
        assertThrows(NullPointerException.class, () -> classifyTransportFailure(null));
    }

    // --- helpers ---

    private static Throwable refusedNettyConnect(IoHandlerFactory io, Class<? extends Channel> channelType) throws Exception {
        int port = FakeUpstream.refusingPort();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            ChannelFuture connect = new Bootstrap().group(group).channel(channelType)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertTrue(connect.await(10, TimeUnit.SECONDS), "connect did not complete");
            assertTrue(!connect.isSuccess(), "connect to a closed port succeeded");
            return connect.cause();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Connects, sends a byte, and has the server answer with a TCP RST; returns what the channel raised. */
    private static Throwable resetNettyRead(IoHandlerFactory io, Class<? extends Channel> channelType) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Throwable> raised = new CompletableFuture<>();
            Channel channel = new Bootstrap().group(group).channel(channelType)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            raised.complete(cause);
                            ctx.close();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            raised.completeExceptionally(new AssertionError("closed without an exception"));
                        }
                    })
                    .connect(server.getLocalSocketAddress()).sync().channel();
            try (Socket accepted = server.accept()) {
                channel.writeAndFlush(channel.alloc().buffer(1).writeByte('x')).sync();
                assertEquals('x', accepted.getInputStream().read());
                accepted.setSoLinger(true, 0);
            }
            return raised.get(10, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
