package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS client's close_notify is the end of its input, as a TCP half-close is (see
 * {@link ClientHalfCloseMidResponseTest}): sent once the response has begun, the rest of the response still
 * comes, then the close.
 */
class ClientCloseNotifyMidResponseTest {

    private static final String BODY = "y".repeat(3_000) + "END";

    @TempDir
    static Path dir;

    @Test
    void aResponseUnderWayIsFinishedAfterTheClientsCloseNotify() throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        UpstreamBehavior headNowBodyLater = (req, reply) -> {
            reply.raw("HTTP/1.1 200 OK\r\nContent-Length: " + BODY.length() + "\r\n\r\n");
            reply.after(150, () -> reply.raw(BODY)); // the client's close_notify arrives meanwhile
        };
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (FakeUpstream upstream = FakeUpstream.start(headNowBodyLater);
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                     .replace("port = 0 }\n  admin", "port = 0, tls { cert-chain = \"" + cert.certChain()
                             + "\", private-key = \"" + cert.privateKey() + "\" } }\n  admin"))) {
            SslContext trusting = SslContextBuilder.forClient().trustManager(cert.certChain().toFile()).build();
            StringBuilder received = new StringBuilder();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(trusting.newHandler(ch.alloc(), "localhost", proxy.port()),
                                    new SimpleChannelInboundHandler<ByteBuf>() {
                                        private boolean closeNotifySent;

                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                            received.append(msg.toString(StandardCharsets.ISO_8859_1));
                                            if (!closeNotifySent && received.indexOf("\r\n\r\n") >= 0) {
                                                closeNotifySent = true; // the head is here: done sending
                                                ctx.pipeline().get(SslHandler.class).closeOutbound();
                                            }
                                        }
                                    });
                        }
                    }).connect("127.0.0.1", proxy.port()).sync().channel();
            client.pipeline().get(SslHandler.class).handshakeFuture().sync();
            client.writeAndFlush(Unpooled.copiedBuffer("GET /report HTTP/1.1\r\nHost: x\r\n\r\n",
                    StandardCharsets.US_ASCII)).sync();

            assertTrue(client.closeFuture().await(5, TimeUnit.SECONDS), "closed by the proxy after the response");
            String all = received.toString();
            assertTrue(all.startsWith("HTTP/1.1 200"), all);
            assertEquals(BODY.length(), all.length() - all.indexOf("\r\n\r\n") - 4, "the whole body after the head");
            ExchangeRecord logged = proxy.observer.awaitExchange(1);
            assertEquals(200, logged.status());
            assertNull(logged.reason(), "delivered whole: logged as served");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
