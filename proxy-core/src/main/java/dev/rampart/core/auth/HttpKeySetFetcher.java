package dev.rampart.core.auth;

import dev.rampart.core.config.KeySetRules;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Fetches key sets over HTTP(S) with the JDK's client, on threads of its own (never an event loop): TLS checked
 * against the JVM's trust store and the URI's host name, redirects followed (not from https to http), the answer a
 * 200 of at most 1 MiB, the whole fetch within {@value #FETCH_SECONDS} s.
 */
final class HttpKeySetFetcher implements Function<URI, CompletableFuture<String>> {

    static final long FETCH_SECONDS = 10;

    private final HttpClient client;
    private final ExecutorService threads;
    private final ScheduledExecutorService timer;

    /**
     * @param threads where fetches run (each blocks one thread while it reads)
     * @param timer   cuts a fetch still reading when its time is up
     */
    HttpKeySetFetcher(ExecutorService threads, ScheduledExecutorService timer) {
        this.threads = threads;
        this.timer = timer;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(FETCH_SECONDS))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(threads)
                .build();
    }

    @Override
    public CompletableFuture<String> apply(URI uri) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fetch(uri);
            } catch (IOException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }, threads);
    }

    private String fetch(URI uri) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(FETCH_SECONDS))
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status >= 300 && status < 400) {
                throw FetchFailure.unfollowedRedirect(status);
            }
            if (status != 200) {
                throw new IOException("HTTP " + status);
            }
            // The request's timeout ends with the head; a body trickled byte by byte is cut here.
            ScheduledFuture<?> cut = timer.schedule(() -> closeQuietly(body), FETCH_SECONDS, TimeUnit.SECONDS);
            byte[] bytes;
            try {
                bytes = body.readNBytes(KeySetRules.MAX_JWKS_BYTES + 1);
            } catch (IOException e) {
                if (cut.isDone()) {
                    throw new FetchFailure("no complete answer within " + FETCH_SECONDS + " s");
                }
                throw e;
            } finally {
                cut.cancel(false);
            }
            if (bytes.length > KeySetRules.MAX_JWKS_BYTES) {
                throw new IOException("the answer is larger than 1 MiB: not a key set");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static void closeQuietly(InputStream body) {
        try {
            body.close();
        } catch (IOException ignored) {
            // the fetch that reads it fails, which is the point
        }
    }
}
