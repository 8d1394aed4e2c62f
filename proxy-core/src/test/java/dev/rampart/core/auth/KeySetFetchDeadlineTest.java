package dev.rampart.core.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A key set fetch has one limit for the whole answer, head and body together: a server that sends its head late
 * and then its body slowly cannot stretch a fetch to twice the limit, which a reload waiting for a new
 * {@code jwks-uri}'s first fetch counts on (it waits about one fetch's limit).
 */
class KeySetFetchDeadlineTest {

    private static final String BODY = "{\"keys\":[]}";
    /** How long the body takes after the head, a part a second. */
    private static final int BODY_SECONDS = 6;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final HttpKeySetFetcher fetcher = new HttpKeySetFetcher(threads, timer);
    private final ServerSocket server = listen();

    private static ServerSocket listen() {
        try {
            return new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
        threads.shutdownNow();
        timer.shutdownNow();
    }

    /**
     * Answers one request with its head after {@code headSeconds}, then its body in {@link #BODY_SECONDS} parts, a
     * part a second.
     */
    private void answerLateAndSlowly(long headSeconds) {
        Thread answering = new Thread(() -> {
            try (Socket client = server.accept()) {
                readHead(client.getInputStream());
                TimeUnit.SECONDS.sleep(headSeconds);
                OutputStream out = client.getOutputStream();
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length()
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
                int step = (body.length + BODY_SECONDS - 1) / BODY_SECONDS;
                for (int sent = 0; sent < body.length; sent += step) {
                    TimeUnit.SECONDS.sleep(1);
                    out.write(body, sent, Math.min(step, body.length - sent));
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the fetch gave up and closed the connection, or the test is over
            }
        }, "late-key-server");
        answering.setDaemon(true);
        answering.start();
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int b = in.read(); b >= 0 && matched < end.length; b = in.read()) {
            matched = b == end[matched] ? matched + 1 : b == end[0] ? 1 : 0;
            if (matched == end.length) {
                return;
            }
        }
    }

    @Test
    void anAnswerWhoseHeadAndBodyEachComeWithinTheLimitButNotBothTogetherFails() {
        long headSeconds = HttpKeySetFetcher.FETCH_SECONDS * 6 / 10;
        // The head at 6 s, the body's last part 6 s later: within 10 s of the head, past 10 s of the request.
        answerLateAndSlowly(headSeconds);
        URI uri = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/jwks");
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> fetcher.fetch(uri, Optional.empty()).get(60, TimeUnit.SECONDS));
        assertEquals("no complete answer within " + HttpKeySetFetcher.FETCH_SECONDS + " s",
                FetchFailure.describe(failed.getCause(), uri));
    }
}
