package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LoopStall;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proxy stopped as a whole (SIGSTOP, a cgroup freezer, a paused VM) while a client's TLS handshake with the
 * listener was in flight: the handshake that the client completed during the stop is served when the proxy runs
 * again, though {@code request-header-timeout}, which bounds the handshake, fell due meanwhile too. Taken first,
 * the timeout closed the connection of a client that had done nothing wrong, and counted it as a handshake
 * timeout. A handshake that is really not completed in time is still cut, and counted as one.
 */
class PausedClientHandshakeTest extends TlsListenerSupport {

    private static final String REQUEST = "GET /held HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aHandshakeTheClientCompletedDuringAStopIsServedNotTimedOut(String transport) throws Exception {
        Transport chosen = Transports.named(transport);
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("after the stop")));
        ProxyHarness proxy = closing.add(ProxyHarness.start(
                tlsConfig("\"127.0.0.1:" + upstream.port() + "\"", "1s", "60s"), chosen));
        LoopStall stall = closing.add(new LoopStall(chosen, proxy.runtime().workers()));
        // The listener's answer to the client's hello is held; the client gets it, and sends its Finished and its
        // request, during a stop that outlasts the handshake's bound (1 s from the accept).
        HeldHandshakeRelay relay = closing.add(new HeldHandshakeRelay(proxy.port()));
        CompletableFuture<String> answer = CompletableFuture.supplyAsync(() -> exchange(relay.port()));

        relay.awaitAnswerHeld();
        CountDownLatch resumed = stall.stall(2_500);
        relay.letThrough();
        assertTrue(resumed.await(10, TimeUnit.SECONDS), "the loops ran again");

        String response = answer.get(20, TimeUnit.SECONDS);
        assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("after the stop"), response);
        assertEquals(List.of(), proxy.observer.handshakeFailures, "no handshake failed");
    }

    @Test
    void aClientThatSendsNothingIsCutAtTheBoundAndCountedAsATimeout() throws Exception {
        ProxyHarness proxy = closing.add(ProxyHarness.start(tlsConfig("\"127.0.0.1:9\"", "1s", "60s")));
        try (Socket silent = new Socket("127.0.0.1", proxy.port())) {
            silent.setSoTimeout(8_000); // beyond the bound, short of the 60 s idle timeout
            long start = System.nanoTime();
            assertEquals(-1, silent.getInputStream().read(), "closed without a byte");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 900, "cut after " + millis + " ms, before the 1 s bound");
        }
        Await.until(() -> !proxy.observer.handshakeFailures.isEmpty(), "the timed-out handshake counted");
        assertEquals(List.of("timeout"), proxy.observer.handshakeFailures, "counted once, as a timeout");
    }

    /** One request over TLS through the relay at {@code port}; the whole answer, up to the close. */
    private static String exchange(int port) {
        try (Socket plain = new Socket("127.0.0.1", port);
             SSLSocket tls = (SSLSocket) listenerCert.trustingClientContext().getSocketFactory()
                     .createSocket(plain, "127.0.0.1", port, true)) {
            tls.setSoTimeout(15_000);
            tls.startHandshake();
            tls.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            return new String(tls.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "failed: " + e;
        }
    }
}
