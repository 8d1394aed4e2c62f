package dev.rampart.core.proxy;

import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@code https://} endpoint is offered {@code http/1.1} by ALPN, the one protocol the proxy speaks to it. An
 * endpoint that speaks only HTTP/2 over TLS (gRPC servers, Node's {@code http2.createSecureServer}) then ends
 * the handshake with a {@code no_application_protocol} alert, a failure the request reports at once; offered
 * nothing, such a server waits for an HTTP/2 preface that never comes, and the request ends at its timeout.
 */
class UpstreamAlpnTest {

    @TempDir
    static Path dir;
    static TestCertificates cert;

    @BeforeAll
    static void certificates() {
        cert = TestCertificates.generate(dir, "upstream", "localhost", "dns:localhost");
    }

    /** A server context offering {@code protocols} by ALPN that refuses a client offering none of them. */
    private static SslContext speaking(String... protocols) throws Exception {
        return SslContextBuilder.forServer(cert.certChain().toFile(), cert.privateKey().toFile())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT, protocols))
                .build();
    }

    private static ProxyHarness proxyTo(FakeUpstream upstream) {
        return ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"https://localhost:" + upstream.port() + "\"]" + ProxyHarness.TLS_HANDSHAKE_TIME + "\n"
                        + "      tls { trust-cert-chain = \"" + cert.certChain() + "\" } }",
                "{ name = default, upstream = app, timeout = 30s, retry { attempts = 1 } }"));
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/alpn")).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anEndpointThatSpeaksOnlyHttp2RefusesTheHandshakeAndTheRequestFailsAtOnce() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("never over HTTP/1.1"),
                speaking(ApplicationProtocolNames.HTTP_2));
             ProxyHarness proxy = proxyTo(upstream)) {
            long start = System.nanoTime();
            HttpResponse<String> response = get(proxy);
            long tookMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();

            assertEquals(502, response.statusCode(), "the handshake is refused: " + response.body());
            assertEquals("UPSTREAM_UNREACHABLE", Envelope.parse(response.body()).reason(), response.body());
            assertEquals(0, upstream.requests().size(), "nothing crosses a refused handshake");
            assertTrue(tookMillis < 15_000, "a refusal, not the route's 30 s timeout: " + tookMillis + " ms");
        }
    }

    @Test
    void anEndpointThatPrefersHttp2ButSpeaksHttp11TooIsServedOverHttp11() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.startTls(UpstreamBehavior.ok("over http/1.1"),
                speaking(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
             ProxyHarness proxy = proxyTo(upstream)) {
            HttpResponse<String> response = get(proxy);

            assertEquals(200, response.statusCode(), response.body());
            assertEquals("over http/1.1", response.body());
        }
    }
}
