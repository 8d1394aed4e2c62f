package dev.rampart.core.tls;

import dev.rampart.core.config.TlsHandshakeConfig;
import dev.rampart.core.testing.TestCertificates;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trust file is applied on both sides (an endpoint's certificate, a client's under mutual TLS), with its anchor's
 * dates, its host name check and its accepted issuers; a {@code tls} block's protocols and ciphers reach the context.
 */
class TrustFileAndHandshakeSettingsTest {

    @TempDir
    static Path dir;
    static TestCertificates localhost;
    static TestCertificates other;
    static TestCertificates expired;
    static EventLoopGroup group;

    @BeforeAll
    static void certificates() {
        localhost = TestCertificates.generate(dir, "trust-localhost", "localhost", "dns:localhost,ip:127.0.0.1");
        other = TestCertificates.generate(dir, "trust-other", "other", "dns:other.example");
        expired = TestCertificates.generateExpired(dir, "trust-expired", "localhost", "dns:localhost");
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Every check the trust manager offers, on {@code chain}; each must accept or refuse alike. */
    private static void eachServerCheck(CurrentCertificatesTrustManager trust, X509Certificate[] chain,
                                        boolean accepted) {
        List<org.junit.jupiter.api.function.Executable> checks = List.of(
                () -> trust.checkServerTrusted(chain, "ECDHE_ECDSA"),
                () -> trust.checkServerTrusted(chain, "ECDHE_ECDSA", (java.net.Socket) null),
                () -> trust.checkServerTrusted(chain, "ECDHE_ECDSA", (javax.net.ssl.SSLEngine) null),
                () -> trust.checkClientTrusted(chain, "EC"),
                () -> trust.checkClientTrusted(chain, "EC", (java.net.Socket) null),
                () -> trust.checkClientTrusted(chain, "EC", (javax.net.ssl.SSLEngine) null));
        for (int i = 0; i < checks.size(); i++) {
            if (accepted) {
                try {
                    checks.get(i).execute();
                } catch (Throwable t) {
                    throw new AssertionError("check " + i + " refused a trusted chain", t);
                }
            } else {
                assertThrows(CertificateException.class, checks.get(i), "check " + i + " accepted");
            }
        }
    }

    @Test
    void everyCheckAcceptsTheTrustFilesCertificateAndRefusesAnother() throws Exception {
        CurrentCertificatesTrustManager trust = CurrentCertificatesTrustManager.trusting(localhost.certChain());
        eachServerCheck(trust, new X509Certificate[] {localhost.certificate()}, true);
        eachServerCheck(trust, new X509Certificate[] {other.certificate()}, false);
    }

    @Test
    void everyCheckRefusesAnExpiredSelfSignedCertificateThatIsItsOwnAnchor() throws Exception {
        CurrentCertificatesTrustManager trust = CurrentCertificatesTrustManager.trusting(expired.certChain());
        eachServerCheck(trust, new X509Certificate[] {expired.certificate()}, false);
        assertThrows(CertificateExpiredException.class,
                () -> trust.checkServerTrusted(new X509Certificate[] {expired.certificate()}, "ECDHE_ECDSA",
                        (javax.net.ssl.SSLEngine) null), "refused for its dates, which the JDK alone lets through");
    }

    @Test
    void everyCertificateOfTheTrustFileIsTrustedAndNamedAsAnAcceptedIssuer() throws Exception {
        Path both = dir.resolve("both.crt");
        Files.writeString(both, Files.readString(localhost.certChain()) + Files.readString(other.certChain()));
        CurrentCertificatesTrustManager trust = CurrentCertificatesTrustManager.trusting(both);
        eachServerCheck(trust, new X509Certificate[] {localhost.certificate()}, true);
        eachServerCheck(trust, new X509Certificate[] {other.certificate()}, true);
        assertEquals(Set.of(localhost.certificate(), other.certificate()), Set.of(trust.getAcceptedIssuers()),
                "what a mutual-TLS listener names to its clients");
    }

    @Test
    void aTrustFileWithoutCertificatesIsRefusedRatherThanTrustingNothingSilently() throws Exception {
        Path empty = dir.resolve("empty.crt");
        Files.writeString(empty, "not a certificate\n");
        assertThrows(GeneralSecurityException.class, () -> CurrentCertificatesTrustManager.trusting(empty));
    }

    @Test
    void anEndpointWhoseCertificateNamesAnotherHostIsRefusedInTheHandshake() throws Exception {
        CurrentCertificatesTrustManager trust = CurrentCertificatesTrustManager.trusting(other.certChain());
        SslContext server = SslContextBuilder.forServer(other.certChain().toFile(), other.privateKey().toFile()).build();
        SslContext client = SslContextBuilder.forClient().trustManager(trust).build();

        Throwable failure = handshake(server, client, "localhost");

        assertInstanceOf(SSLHandshakeException.class, failure, "trusted, but issued for other.example");
        assertNull(handshake(server, client, "other.example"), "the name it was issued for is accepted");
    }

    @Test
    void aClientCertificateIsCheckedAgainstTheListenersTrustFileAndTurnedIntoItsHeader() throws Exception {
        CurrentCertificatesTrustManager trustClients = CurrentCertificatesTrustManager.trusting(other.certChain());
        SslContext server = SslContextBuilder.forServer(localhost.certChain().toFile(), localhost.privateKey().toFile())
                .clientAuth(ClientAuth.REQUIRE).trustManager(trustClients).build();
        CompletableFuture<String> header = new CompletableFuture<>();
        SslContext presentingTrusted = SslContextBuilder.forClient().trustManager(localhost.certificate())
                .keyManager(other.certChain().toFile(), other.privateKey().toFile()).build();
        assertNull(handshake(server, presentingTrusted, "localhost", header));
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(other.certificate().getEncoded()));
        assertEquals("Hash=" + sha256 + ";Subject=\"CN=other\";DNS=other.example", header.get(5, TimeUnit.SECONDS));

        SslContext presentingExpired = SslContextBuilder.forClient().trustManager(localhost.certificate())
                .keyManager(expired.certChain().toFile(), expired.privateKey().toFile()).build();
        SslContext serverTrustingExpired = SslContextBuilder.forServer(localhost.certChain().toFile(),
                        localhost.privateKey().toFile()).clientAuth(ClientAuth.REQUIRE)
                .trustManager(CurrentCertificatesTrustManager.trusting(expired.certChain())).build();
        assertTrue(handshake(serverTrustingExpired, presentingExpired, "localhost") != null,
                "a client whose certificate is its own expired anchor is refused");
    }

    @Test
    void aChannelWithoutTlsHasNoClientCertificateHeader() {
        EmbeddedChannel plain = new EmbeddedChannel();
        assertNull(ClientCertificateHeader.of(plain));
        assertNull(ClientCertificateHeader.of(plain), "and still none the second time (the \"\" kept)");
        plain.finishAndReleaseAll();
    }

    @Test
    void configuredProtocolsAndCiphersReachTheContextAndNoneLeaveTheDefaults() throws Exception {
        TlsHandshakeConfig limited = new TlsHandshakeConfig(List.of("TLSv1.2"),
                List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        SslContext configured = HandshakeSettings.apply(SslContextBuilder.forClient(), limited).build();
        javax.net.ssl.SSLEngine engine = configured.newEngine(ByteBufAllocator.DEFAULT);
        assertArrayEquals(new String[] {"TLSv1.2"}, engine.getEnabledProtocols());
        assertArrayEquals(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}, engine.getEnabledCipherSuites());

        javax.net.ssl.SSLEngine defaults = HandshakeSettings.apply(SslContextBuilder.forClient(),
                TlsHandshakeConfig.DEFAULT).build().newEngine(ByteBufAllocator.DEFAULT);
        assertTrue(List.of(defaults.getEnabledProtocols()).contains("TLSv1.3"), "the JVM's defaults");
        assertTrue(defaults.getEnabledCipherSuites().length > 1);

        SslContext only13 = HandshakeSettings.apply(SslContextBuilder.forServer(localhost.certChain().toFile(),
                localhost.privateKey().toFile()), new TlsHandshakeConfig(List.of("TLSv1.3"), List.of())).build();
        SslContext only12 = HandshakeSettings.apply(SslContextBuilder.forClient().trustManager(localhost.certificate()),
                new TlsHandshakeConfig(List.of("TLSv1.2"), List.of())).build();
        assertTrue(handshake(only13, only12, "localhost") != null, "no common version: no handshake");
    }

    private static Throwable handshake(SslContext server, SslContext client, String host) throws Exception {
        return handshake(server, client, host, new CompletableFuture<>());
    }

    /**
     * A handshake over a real connection, the client checking the server's name as {@code host}: null when it
     * completed on both sides, else the client's failure, or the server's. {@code header} gets the server's client-certificate value.
     */
    private static Throwable handshake(SslContext server, SslContext client, String host,
                                       CompletableFuture<String> header) throws Exception {
        CompletableFuture<Throwable> serverSide = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SslHandler tls = server.newHandler(ch.alloc());
                        ch.pipeline().addLast(tls);
                        tls.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                header.complete(ClientCertificateHeader.of(ch));
                            }
                            serverSide.complete(f.cause());
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        try {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            CompletableFuture<Future<Channel>> handshake = new CompletableFuture<>();
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslHandler tls = client.newHandler(ch.alloc(), host, port);
                            SSLParameters parameters = tls.engine().getSSLParameters();
                            parameters.setEndpointIdentificationAlgorithm("HTTPS");
                            tls.engine().setSSLParameters(parameters);
                            ch.pipeline().addLast(tls);
                            handshake.complete(tls.handshakeFuture());
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            try {
                Future<Channel> done = handshake.get(5, TimeUnit.SECONDS);
                assertTrue(done.await(5, TimeUnit.SECONDS), "the handshake ended");
                if (!done.isSuccess()) {
                    return done.cause();
                }
                // Under TLS 1.3 the client is done first: a client certificate is refused on the server's side.
                return serverSide.get(5, TimeUnit.SECONDS);
            } finally {
                connection.close().sync();
            }
        } finally {
            listener.close().sync();
        }
    }
}
