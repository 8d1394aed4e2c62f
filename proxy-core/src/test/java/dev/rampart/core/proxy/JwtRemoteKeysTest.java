package dev.rampart.core.proxy;

import com.sun.net.httpserver.HttpServer;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code jwt.jwks-uri} through real sockets, with a real HTTP key server whose answers the test changes:
 * tokens wait (503 {@code AUTH_UNAVAILABLE}, {@code Retry-After}) until the keys are first fetched, are then checked
 * with them, follow a key rotated in and one withdrawn (tokens that passed before are checked again), keep the
 * keys while the server fails, and a reload keeps them without a fetch.
 */
class JwtRemoteKeysTest {

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("orders"));
    /** What the key server answers: a status and a body. */
    private final AtomicReference<String> served = new AtomicReference<>(TestTokens.publicKeySet());
    private final AtomicInteger status = new AtomicInteger(200);
    private final List<String> accepts = new CopyOnWriteArrayList<>();
    private final HttpServer keyServer = keyServer();
    private ProxyHarness proxy;

    private HttpServer keyServer() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/.well-known/jwks.json", exchange -> {
                accepts.add(String.valueOf(exchange.getRequestHeaders().getFirst("Accept")));
                byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status.get(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        keyServer.stop(0);
        upstream.close();
    }

    private String config() {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = api, match { path-prefix = \"/\" }, upstream = app, jwt { jwks-uri = \"http://127.0.0.1:"
                        + keyServer.getAddress().getPort() + "/.well-known/jwks.json\", jwks-refresh = 1s,"
                        + " issuer = \"" + TestTokens.ISSUER + "\", audiences = [\"" + TestTokens.AUDIENCE + "\"] } }");
    }

    private RawHttp.Response get(String token) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send("GET /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n\r\n").read();
        }
    }

    private static String rs256(String subject) {
        return TestTokens.rs256(TestTokens.claims(Instant.now()).subject(subject).build());
    }

    private static String es256(String subject) {
        return TestTokens.es256(TestTokens.claims(Instant.now()).subject(subject).build());
    }

    private void awaitStatus(int expected, String token, String what) {
        Await.until(() -> get(token).status() == expected, what);
    }

    @Test
    void anHttpsKeySetOfAPrivateCaIsFetchedTrustingTheRoutesCertificateFile(@TempDir Path dir) {
        TestCertificates idp = TestCertificates.generate(dir, "idp", "localhost", "dns:localhost,ip:127.0.0.1");
        try (FakeUpstream keys = FakeUpstream.startTls(UpstreamBehavior.ok(TestTokens.publicKeySet()),
                idp.serverContext())) {
            proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                    "{ name = api, match { path-prefix = \"/\" }, upstream = app, jwt { jwks-uri = \"https://127.0.0.1:"
                            + keys.port() + "/jwks.json\", jwks-trust-cert-chain = \"" + idp.certChain() + "\" } }"));
            awaitStatus(200, rs256("a"), "the keys fetched from the https server the file vouches for");
            assertEquals(401, get("not-a-token").status());
        }
    }

    @Test
    void tokensWaitForTheFirstFetchThenAreCheckedWithTheServedKeys() {
        status.set(503);
        proxy = ProxyHarness.start(config());
        RawHttp.Response waiting = get(rs256("a"));
        assertEquals(503, waiting.status());
        assertEquals("AUTH_UNAVAILABLE", Envelope.parse(waiting.body()).reason());
        assertEquals("5", waiting.header("retry-after"));
        assertEquals(0, upstream.requests().size());

        status.set(200);
        awaitStatus(200, rs256("b"), "the keys fetched once the key server answers");
        assertEquals(200, get(es256("c")).status());
        assertEquals(401, get(TestTokens.rs256(TestTokens.claims(Instant.now()).issuer("https://other.test/").build()))
                .status(), "still checked: the issuer");
        assertTrue(accepts.get(0).contains("application/jwk-set+json"), accepts.toString());
    }

    @Test
    void aKeyRotatedInIsTakenAndAWithdrawnOneNoLongerPassesEvenForATokenThatPassedBefore() {
        served.set(TestTokens.rsaPublicKeySet());
        proxy = ProxyHarness.start(config());
        String early = es256("early");
        awaitStatus(200, rs256("a"), "the RSA key fetched");
        assertEquals(401, get(early).status(), "no EC key yet");

        served.set(TestTokens.publicKeySet());
        awaitStatus(200, early, "the EC key rotated in");

        served.set(TestTokens.rsaPublicKeySet());
        awaitStatus(401, early, "the EC key withdrawn: its token, remembered as good, is checked again");
        assertEquals(200, get(rs256("b")).status());
    }

    @Test
    void aReloadThatNamesANewKeySetUriWaitsForItsFirstFetch() throws Exception {
        proxy = ProxyHarness.start(config());
        awaitStatus(200, rs256("a"), "the keys fetched");
        HttpServer moved = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        moved.createContext("/keys", exchange -> {
            byte[] body = TestTokens.ecPublicKeySet().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        moved.start();
        try {
            String movedConfig = config().replace(keyServer.getAddress().getPort() + "/.well-known/jwks.json",
                    moved.getAddress().getPort() + "/keys");
            proxy.runtime().apply(dev.rampart.core.config.ConfigLoader.parse(movedConfig, "test.conf"));
            assertEquals(200, get(es256("b")).status(), "served with the new set's keys at once, no 503 meanwhile");
            assertEquals(401, get(rs256("c")).status(), "the old set's RSA key is not in the new one");
        } finally {
            moved.stop(0);
        }
    }

    @Test
    void theKeysAreKeptWhileTheKeyServerFailsAndAcrossAReload() {
        proxy = ProxyHarness.start(config());
        awaitStatus(200, rs256("a"), "the keys fetched");
        status.set(500);
        int asked = accepts.size();
        Await.until(() -> accepts.size() >= asked + 2, "two failed fetches");
        assertEquals(200, get(es256("new-token")).status(), "a token never seen is checked with the kept keys");

        served.set("{\"keys\": \"garbage\"}");
        status.set(200);
        int before = accepts.size();
        Await.until(() -> accepts.size() >= before + 2, "two refused answers");
        proxy.runtime().apply(proxy.runtime().config()); // a reload: a new verifier, the same key set
        assertEquals(200, get(rs256("after-reload")).status(), "no wait for a fetch after a reload");
    }
}
