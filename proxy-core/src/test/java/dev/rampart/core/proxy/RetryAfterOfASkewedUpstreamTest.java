package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.Envelope;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import io.netty.handler.codec.DateFormatter;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@code Retry-After} HTTP-date from an upstream whose clock is off ours: the wait is the one it meant, counted
 * from its own {@code Date}, whichever way and however far its clock is off.
 */
class RetryAfterOfASkewedUpstreamTest {

    @RegisterExtension
    final Closing closing = new Closing();

    /** The upstream's {@code Date} and a {@code Retry-After} of {@code delaySeconds} after it, by its clock. */
    private static String[] skewedHeaders(long skewSeconds, long delaySeconds) {
        long upstreamNow = System.currentTimeMillis() / 1000 * 1000 + skewSeconds * 1000;
        return new String[] {"Date", DateFormatter.format(new Date(upstreamNow)),
                "Retry-After", DateFormatter.format(new Date(upstreamNow + delaySeconds * 1000))};
    }

    private ProxyHarness proxyTo(FakeUpstream upstream, String retry) {
        return closing.add(ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"], circuit-breaker { enabled = false } }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 10s\n" + retry + "\n}")));
    }

    private static HttpResponse<String> get(ProxyHarness proxy) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri("/")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(longs = {60, -60, 3600, -3600, 86_400, -86_400})
    void theRetryWaitsTheSecondAskedNotTheSkew(long skewSeconds) throws Exception {
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        AtomicInteger seen = new AtomicInteger();
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            arrivals.add(System.nanoTime());
            if (seen.incrementAndGet() == 1) {
                reply.send(503, "text/plain", "busy", skewedHeaders(skewSeconds, 1));
            } else {
                reply.send(200, "text/plain", "ok");
            }
        }));
        ProxyHarness proxy = proxyTo(upstream, "retry { attempts = 2, backoff { initial = 10ms, max = 10ms } }");

        HttpResponse<String> response = get(proxy);

        // Read by our clock, a date ahead asked for more than retry-after.max (no retry, a 503), and one behind was
        // a past date (a retry after the 10 ms backoff).
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(2, arrivals.size());
        long gapMillis = Duration.ofNanos(arrivals.get(1) - arrivals.get(0)).toMillis();
        assertTrue(gapMillis >= 950, "the upstream asked for 1 s by its clock; the retry came after " + gapMillis + " ms");
    }

    @ParameterizedTest
    @ValueSource(longs = {3600, -3600})
    void theEnvelopeTellsTheClientTheWaitTheUpstreamMeant(long skewSeconds) throws Exception {
        FakeUpstream upstream = closing.add(FakeUpstream.start(
                (req, reply) -> reply.send(503, "text/plain", "busy", skewedHeaders(skewSeconds, 30))));
        ProxyHarness proxy = proxyTo(upstream, "retry { attempts = 1 }");

        HttpResponse<String> response = get(proxy);

        assertEquals(503, response.statusCode());
        assertEquals("UPSTREAM_ERROR", Envelope.parse(response.body()).reason());
        assertEquals("30", response.headers().firstValue("retry-after").orElse(null),
                "30 s by the upstream's clock, not 30 s plus or minus its skew");
    }

    @ParameterizedTest
    @ValueSource(strings = {"absent", "not a date", ""})
    void withoutAUsableDateTheRetryAfterIsReadByOurClock(String date) throws Exception {
        String retryAfter = skewedHeaders(3600, 0)[3]; // an hour ahead of our clock
        FakeUpstream upstream = closing.add(FakeUpstream.start((req, reply) -> {
            if (date.equals("absent")) {
                reply.send(503, "text/plain", "busy", "Retry-After", retryAfter);
            } else {
                reply.send(503, "text/plain", "busy", "Retry-After", retryAfter, "Date", date);
            }
        }));
        ProxyHarness proxy = proxyTo(upstream, "retry { attempts = 1 }");

        HttpResponse<String> response = get(proxy);

        long seconds = Long.parseLong(response.headers().firstValue("retry-after").orElseThrow());
        assertTrue(seconds > 3500 && seconds <= 3601, "an hour by our clock: " + seconds);
    }
}
