package dev.rampart.core.auth;

import dev.rampart.core.config.KeySetRules;
import dev.rampart.core.tls.CurrentCertificatesTrustManager;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * Fetches key sets over HTTP(S) with the JDK's client, on threads of its own (never an event loop): TLS checked
 * against the JVM's trust store, or the route's {@code jwks-trust-cert-chain}, and the URI's host name, redirects
 * followed (not from https to http), the answer a 200 of at most 1 MiB, the whole fetch, head and body, within
 * {@value #FETCH_SECONDS} s.
 */
final class HttpKeySetFetcher {

    static final long FETCH_SECONDS = 10;

    private final HttpClient client;
    private final ExecutorService threads;
    private final ScheduledExecutorService timer;
    /** A client per trust file, made again when the file's content changes (a rotated CA). */
    private final Map<Path, TrustingClient> trustingClients = new ConcurrentHashMap<>();

    /** A client that trusts what {@code file} held when it was read. */
    private record TrustingClient(byte[] file, HttpClient client) {
    }

    /**
     * @param threads where fetches run (each blocks one thread while it reads)
     * @param timer   cuts a fetch still reading when its time is up
     */
    HttpKeySetFetcher(ExecutorService threads, ScheduledExecutorService timer) {
        this.threads = threads;
        this.timer = timer;
        this.client = clientBuilder().build();
    }

    private HttpClient.Builder clientBuilder() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(FETCH_SECONDS))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(threads);
    }

    /** Fetches {@code uri}, its server's certificate checked against {@code trust}, or the JVM's trust store. */
    CompletableFuture<String> fetch(URI uri, Optional<Path> trust) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return fetch(uri, trust.isEmpty() ? client : trustingClient(trust.get()));
            } catch (javax.net.ssl.SSLHandshakeException e) {
                // The JVM's trust store knows no certificate of a private CA: the JDK says "PKIX path building
                // failed". Said only then: with a trust file, or for a wrong name, the hint would mislead.
                boolean privateCaLikely = trust.isEmpty() && String.valueOf(e.getMessage()).contains("PKIX path");
                throw new CompletionException(new FetchFailure(FetchFailure.handshakeFailed(e)
                        + (privateCaLikely ? " (a certificate of a private CA is trusted with jwks-trust-cert-chain)"
                        : "")));
            } catch (IOException e) {
                throw new CompletionException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
            }
        }, threads);
    }

    /**
     * The client that trusts {@code file} as it is now: read at each fetch (a few KB, every few minutes), so a CA
     * rotated in place is used by the next fetch without a reload.
     */
    private HttpClient trustingClient(Path file) throws IOException {
        byte[] now;
        try {
            now = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new FetchFailure("the jwks-trust-cert-chain " + file + " could not be read: " + e.getMessage());
        }
        TrustingClient known = trustingClients.get(file);
        if (known != null && Arrays.equals(known.file(), now)) {
            return known.client();
        }
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new TrustManager[] {CurrentCertificatesTrustManager.trusting(file)}, null);
            HttpClient trusting = clientBuilder().sslContext(tls).build();
            trustingClients.put(file, new TrustingClient(now, trusting));
            return trusting;
        } catch (GeneralSecurityException e) {
            throw new FetchFailure("the jwks-trust-cert-chain " + file + " holds no certificate to trust: "
                    + e.getMessage());
        }
    }

    private String fetch(URI uri, HttpClient client) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(FETCH_SECONDS))
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        // The request's timeout ends with the head; the body must come within the same limit, counted from the
        // request, else a late head and a slow body take twice as long as the limit a reload waits for.
        Deadline deadline = new Deadline();
        ScheduledFuture<?> cut = timer.schedule(deadline::passed, FETCH_SECONDS, TimeUnit.SECONDS);
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                if (status >= 300 && status < 400) {
                    throw FetchFailure.unfollowedRedirect(status);
                }
                if (status != 200) {
                    throw new IOException("HTTP " + status);
                }
                byte[] bytes;
                try {
                    deadline.reading(body);
                    bytes = body.readNBytes(KeySetRules.MAX_JWKS_BYTES + 1);
                } catch (IOException e) {
                    if (deadline.hasPassed()) {
                        throw new FetchFailure("no complete answer within " + FETCH_SECONDS + " s");
                    }
                    throw e;
                }
                if (bytes.length > KeySetRules.MAX_JWKS_BYTES) {
                    throw new IOException("the answer is larger than 1 MiB: not a key set");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        } finally {
            cut.cancel(false);
        }
    }

    /**
     * The end of a fetch's time, which closes the body being read (a blocked read then fails). The body is known
     * only once the head has come, possibly after the time is up: whichever of the two happens second closes it.
     */
    private static final class Deadline {
        private boolean passed;
        private InputStream body;

        synchronized void passed() {
            passed = true;
            if (body != null) {
                closeQuietly(body);
            }
        }

        /** The body is about to be read: closed now, and the read fails, if the time is already up. */
        synchronized void reading(InputStream answerBody) {
            body = answerBody;
            if (passed) {
                closeQuietly(answerBody);
            }
        }

        synchronized boolean hasPassed() {
            return passed;
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
