package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reload is all or nothing. The listener's files are read again when the config is applied, after the check read
 * them: a rotation caught halfway between the two (the new certificate written, its key not yet) refuses the whole
 * reload, which leaves the running certificate, the upstream's bulkhead limit and the routes as they were, where it
 * once kept the certificate and applied the rest. A reload that succeeds applies all of it.
 */
class ReloadAllOrNothingTest {

    private static final String LOCAL = "dns:localhost,ip:127.0.0.1";

    @TempDir
    Path dir;

    private static String config(Path cert, Path key, String upstream, int maxConcurrent, String extraRoute) {
        return """
                rampart {
                  server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
                  admin { port = 0 }
                  access-log { enabled = false }
                  upstreams { app { endpoints = ["%s"], max-concurrent-requests = %d } }
                  routes = [ %s { name = app, upstream = app, retry { attempts = 1 } } ]
                }
                """.formatted(cert, key, upstream, maxConcurrent, extraRoute);
    }

    @Test
    void aCertificateFoundUnusableAtTheApplyRefusesTheWholeReloadAndAWholeOneAppliesAll() throws Exception {
        TestCertificates first = TestCertificates.generate(dir, "first", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates second = TestCertificates.generate(dir, "second", "localhost", "dns:localhost,ip:127.0.0.1");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certChain(), cert);
        Files.copy(first.privateKey(), key);
        SSLContext trustingFirst = TestCertificates.trustingClientContext(first.certificate());
        SSLContext trustingSecond = TestCertificates.trustingClientContext(second.certificate());
        // Each request is answered after a while, so that a second one sent meanwhile meets the bulkhead.
        try (FakeUpstream upstream = FakeUpstream.start((request, reply) ->
                reply.after(1_500, () -> reply.send(200, "text/plain", "fine")))) {
            String newRoute = "{ name = added, match { path-prefix = \"/added\" }, respond { status = 204 } },";
            RampartServer server = ConfigFiles.startWith(dir.resolve("proxy.conf"),
                    config(cert, key, upstream.authority(), 1, ""));
            try {
                assertEquals(503, secondWhileOneRuns(trustingFirst, server.port(), upstream),
                        "max-concurrent-requests = 1");

                // The reload's config, read and checked while the files were whole; then a rotation begins.
                Path next = dir.resolve("next.conf");
                Files.writeString(next, config(cert, key, upstream.authority(), 2, newRoute));
                RampartConfig checked = ConfigSource.resolve(Optional.of(next)).load();
                Files.copy(second.certChain(), cert, StandardCopyOption.REPLACE_EXISTING);
                ConfigReloader reloader = server.reloader();
                try (LogCapture logs = LogCapture.start()) {
                    assertFalse(reloader.reloadChange("test", reloader.now(),
                            new ConfigReloader.Loaded(checked, reloader.now(), null)), "the reload is refused");
                    assertTrue(logs.dump().contains("reload (test) refused, the running config stays"), logs.dump());
                }

                assertEquals(200, status(trustingFirst, server.port(), "/"), "the running certificate serves");
                assertEquals(200, status(trustingFirst, server.port(), "/added"),
                        "the upstream answers: no route added");
                assertEquals(503, secondWhileOneRuns(trustingFirst, server.port(), upstream), "the limit is still 1");

                // The rotation completed: the same config is applied whole.
                Files.copy(second.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);
                assertTrue(reloader.reloadChange("test", reloader.now(),
                        new ConfigReloader.Loaded(checked, reloader.now(), null)));
                assertEquals(204, status(trustingSecond, server.port(), "/added"), "the new certificate and route");
                assertEquals(200, secondWhileOneRuns(trustingSecond, server.port(), upstream), "the new limit, 2");
            } finally {
                server.shutdown("test");
            }
        }
    }

    /**
     * The key set of a {@code jwks-uri} is fetched trusting the running config's {@code jwks-trust-cert-chain} after a
     * reload that named another was refused: a key the issuer withdraws is still dropped at the next fetch. It once
     * took the refused config's trust file as the rest of the reload went on, and its fetches failed from then on.
     */
    @Test
    void aRefusedReloadLeavesTheKeySetFetchedTrustingTheRunningTrustFile() throws Exception {
        TestCertificates listener = TestCertificates.generate(dir, "listener", "localhost", LOCAL);
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", LOCAL);
        TestCertificates idp = TestCertificates.generate(dir, "idp", "localhost", LOCAL);
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(listener.certChain(), cert);
        Files.copy(listener.privateKey(), key);
        SSLContext tls = TestCertificates.trustingClientContext(listener.certificate());
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             FakeUpstream keys = FakeUpstream.startTls(UpstreamBehavior.ok(TestTokens.publicKeySet()),
                     idp.serverContext())) {
            String config = """
                    rampart {
                      server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
                      admin { port = 0 }
                      access-log { enabled = false }
                      upstreams { app { endpoints = ["%s"] } }
                      routes = [ { name = api, upstream = app, jwt { jwks-uri = "https://127.0.0.1:%d/jwks.json",
                                   jwks-refresh = 1s, jwks-trust-cert-chain = "%s" } } ]
                    }
                    """;
            RampartServer server = ConfigFiles.startWith(dir.resolve("proxy.conf"),
                    config.formatted(cert, key, upstream.authority(), keys.port(), idp.certChain()));
            try {
                String ecToken = TestTokens.es256(TestTokens.claims(Instant.now()).subject("alice").build());
                Await.until(() -> bearer(tls, server.port(), ecToken) == 200, "the key set fetched");

                Path next = dir.resolve("next.conf");
                Files.writeString(next, config.formatted(cert, key, upstream.authority(), keys.port(),
                        other.certChain()));
                RampartConfig checked = ConfigSource.resolve(Optional.of(next)).load();
                Files.copy(other.privateKey(), key, StandardCopyOption.REPLACE_EXISTING); // not the certificate's
                ConfigReloader reloader = server.reloader();
                assertFalse(reloader.reloadChange("test", reloader.now(),
                        new ConfigReloader.Loaded(checked, reloader.now(), null)), "the reload is refused");
                Files.copy(listener.privateKey(), key, StandardCopyOption.REPLACE_EXISTING);

                keys.behave(UpstreamBehavior.ok(TestTokens.rsaPublicKeySet())); // the issuer withdraws its EC key
                Await.until(() -> bearer(tls, server.port(), ecToken) == 401,
                        "the withdrawn key dropped at a fetch trusting the running trust file");
            } finally {
                server.shutdown("test");
            }
        }
    }

    /**
     * A refused reload that named a {@code jwks-uri} for the first time leaves no key set of it behind: its first
     * fetch is made before the reload is applied, but it is not fetched again once the reload is refused.
     */
    @Test
    void aRefusedReloadLeavesNoKeySetOfAUriOnlyItNamed() throws Exception {
        TestCertificates listener = TestCertificates.generate(dir, "listener", "localhost", LOCAL);
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", LOCAL);
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(listener.certChain(), cert);
        Files.copy(listener.privateKey(), key);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             FakeUpstream keys = FakeUpstream.start(UpstreamBehavior.ok(TestTokens.publicKeySet()))) {
            String config = """
                    rampart {
                      server { host = "127.0.0.1", port = 0, tls { cert-chain = "%s", private-key = "%s" } }
                      admin { port = 0 }
                      access-log { enabled = false }
                      upstreams { app { endpoints = ["%s"] } }
                      routes = [ %s { name = app, upstream = app } ]
                    }
                    """;
            RampartServer server = ConfigFiles.startWith(dir.resolve("proxy.conf"),
                    config.formatted(cert, key, upstream.authority(), ""));
            try {
                Path next = dir.resolve("next.conf");
                Files.writeString(next, config.formatted(cert, key, upstream.authority(), "{ name = api,"
                        + " match { path-prefix = \"/api\" }, upstream = app, jwt { jwks-uri = \"http://127.0.0.1:"
                        + keys.port() + "/jwks.json\", jwks-refresh = 1s } }"));
                RampartConfig checked = ConfigSource.resolve(Optional.of(next)).load();
                Files.copy(other.privateKey(), key, StandardCopyOption.REPLACE_EXISTING); // not the certificate's
                ConfigReloader reloader = server.reloader();
                assertFalse(reloader.reloadChange("test", reloader.now(),
                        new ConfigReloader.Loaded(checked, reloader.now(), null)), "the reload is refused");
                int fetched = keys.requests().size();
                assertEquals(1, fetched, "the first fetch, made before the reload was applied");

                Thread.sleep(3_500); // three refreshes of the refused config's key set, were it kept
                assertEquals(fetched, keys.requests().size(), "no key set of the refused config is fetched");
            } finally {
                server.shutdown("test");
            }
        }
    }

    private static int bearer(SSLContext tls, int port, String token) {
        try {
            return client(tls).send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/orders"))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The status of a GET sent while another is in flight to the upstream (both over new connections). */
    private static int secondWhileOneRuns(SSLContext tls, int port, FakeUpstream upstream) throws Exception {
        HttpClient client = client(tls);
        int before = upstream.requests().size();
        CompletableFuture<HttpResponse<String>> running = client.sendAsync(request(port, "/first"),
                HttpResponse.BodyHandlers.ofString());
        Await.until(() -> upstream.requests().size() > before, "the first request under way");
        HttpResponse<String> second = client.send(request(port, "/second"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, running.get().statusCode());
        if (second.statusCode() == 503) {
            assertEquals("UPSTREAM_OVERLOADED", Envelope.parse(second.body()).reason());
        }
        return second.statusCode();
    }

    private static int status(SSLContext tls, int port, String path) throws Exception {
        return client(tls).send(request(port, path), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpClient client(SSLContext tls) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(tls)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static HttpRequest request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).build();
    }
}
