package dev.rampart.core.auth;

import com.sun.net.httpserver.HttpServer;
import dev.rampart.core.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Key set fetches over real HTTP, against a JDK server that answers each path its own way: a 200 is the body, an
 * error status, a body over 1 MiB, a redirect loop and a refused connection are failures said in plain words.
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
        ExecutionException failed = assertThrows(ExecutionException.class, () -> fetcher.apply(uri).get(20, TimeUnit.SECONDS));
        return FetchFailure.describe(failed.getCause(), uri);
    }

    @Test
    void aTwoHundredIsItsBody() throws Exception {
        assertEquals("{\"keys\":[]}", fetcher.apply(uri("/keys")).get(20, TimeUnit.SECONDS));
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
}
