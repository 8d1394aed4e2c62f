package dev.rampart.core.auth;

import com.sun.net.httpserver.HttpServer;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Key set fetches over real HTTP, against a JDK server that answers each path its own way: a 200 is the body, an
 * error status, a body over 1 MiB, a redirect loop and a refused connection are failures said in plain words; and
 * over HTTPS, a server whose certificate a private CA signed is trusted through the route's trust file only, read
 * again at each fetch, its host name checked as well.
 */
class HttpKeySetFetcherTest {

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final HttpKeySetFetcher fetcher = new HttpKeySetFetcher(threads, timer);
    private final HttpServer server = server();

    private static HttpServer server() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/keys", exchange -> answer(exchange, 200, "{\"keys\":[]}"));
            server.createContext("/gone", exchange -> answer(exchange, 404, "not here"));
            server.createContext("/huge", exchange -> answer(exchange, 200, "x".repeat(2 << 20)));
            server.createContext("/loop", exchange -> {
                exchange.getResponseHeaders().set("Location", "/loop");
                answer(exchange, 302, "");
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(com.sun.net.httpserver.HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
        threads.shutdownNow();
        timer.shutdownNow();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private String failure(URI uri) {
        return failure(uri, Optional.empty());
    }

    private String failure(URI uri, Optional<Path> trust) {
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> fetcher.fetch(uri, trust).get(20, TimeUnit.SECONDS));
        return FetchFailure.describe(failed.getCause(), uri);
    }

    @Test
    void aTwoHundredIsItsBody() throws Exception {
        assertEquals("{\"keys\":[]}", fetcher.fetch(uri("/keys"), Optional.empty()).get(20, TimeUnit.SECONDS));
    }

    @Test
    void failuresAreSaidInPlainWords() {
        assertEquals("HTTP 404", failure(uri("/gone")));
        assertEquals("the answer is larger than 1 MiB: not a key set", failure(uri("/huge")));
        assertEquals("HTTP 302: a redirect not followed (from https to http, or more than five)", failure(uri("/loop")));
        int refusing = FakeUpstream.refusingPort();
        URI refused = URI.create("http://127.0.0.1:" + refusing + "/keys");
        assertEquals("connection refused or unreachable: 127.0.0.1:" + refusing, failure(refused));
    }

    @Test
    void anHttpsServerOfAPrivateCaIsTrustedThroughItsTrustFileReadAtEachFetch(@TempDir Path dir) throws Exception {
        TestCertificates idp = TestCertificates.generate(dir, "idp", "localhost", "dns:localhost,ip:127.0.0.1");
        TestCertificates other = TestCertificates.generate(dir, "other", "localhost", "dns:localhost,ip:127.0.0.1");
        try (FakeUpstream keys = FakeUpstream.startTls(UpstreamBehavior.ok("{\"keys\":[]}"), idp.serverContext())) {
            URI uri = URI.create("https://127.0.0.1:" + keys.port() + "/keys");
            assertEquals("{\"keys\":[]}", fetcher.fetch(uri, Optional.of(idp.certChain())).get(20, TimeUnit.SECONDS));

            String untrusted = failure(uri, Optional.empty());
            assertTrue(untrusted.startsWith("TLS handshake failed: ") && untrusted.contains("jwks-trust-cert-chain"),
                    "the JVM's trust store does not know the private CA: " + untrusted);

            Path trust = dir.resolve("trust.pem");
            Files.copy(other.certChain(), trust);
            String otherCa = failure(uri, Optional.of(trust));
            assertTrue(otherCa.startsWith("TLS handshake failed: ") && !otherCa.contains("jwks-trust-cert-chain"),
                    "another CA's file, and no hint to name one: " + otherCa);
            Files.copy(idp.certChain(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals("{\"keys\":[]}", fetcher.fetch(uri, Optional.of(trust)).get(20, TimeUnit.SECONDS),
                    "the file rotated in place is read by the next fetch");

            Files.delete(trust);
            assertEquals("the jwks-trust-cert-chain " + trust + " could not be read: " + trust,
                    failure(uri, Optional.of(trust)));
        }
    }

    @Test
    void theHostNameIsCheckedAgainstTheTrustedCertificate(@TempDir Path dir) throws Exception {
        TestCertificates elsewhere = TestCertificates.generate(dir, "elsewhere", "idp.example", "dns:idp.example");
        try (FakeUpstream keys = FakeUpstream.startTls(UpstreamBehavior.ok("{\"keys\":[]}"),
                elsewhere.serverContext())) {
            URI uri = URI.create("https://127.0.0.1:" + keys.port() + "/keys");
            String failed = failure(uri, Optional.of(elsewhere.certChain()));
            assertTrue(failed.startsWith("TLS handshake failed: ") && failed.contains("127.0.0.1")
                    && !failed.contains("jwks-trust-cert-chain"), failed);
        }
    }
}
