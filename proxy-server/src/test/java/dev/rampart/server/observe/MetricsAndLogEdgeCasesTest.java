package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.testing.Await;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What mutation testing found untested in the observe package: series of other routes and endpoints kept
 * when one is removed, absent labels counted as none, every observer event forwarded by the composite,
 * a quiet stdout flushed more than once, and stall durations on a clock that does not start at zero.
 */
class MetricsAndLogEdgeCasesTest {

    @Test
    void aReloadThatRemovesOneRouteKeepsTheCountsOfTheOthers() {
        try (MicrometerObserver observer = new MicrometerObserver()) {
            observer.onExchangeComplete(exchange("kept", "GET", 200));
            observer.onExchangeComplete(exchange("kept", "GET", 200));
            observer.onExchangeComplete(exchange("gone", "GET", 200));
            observer.onRetry("kept", "connect_failure");

            observer.retainRoutes(Set.of("kept"));

            assertEquals(2.0, requests(observer, "kept").count(), "the kept route's requests survive the reload");
            assertEquals(2, observer.registry().get("rampart.request.duration").tag("route", "kept").timer().count());
            assertEquals(1.0, observer.registry().get("rampart.retries").tag("route", "kept").counter().count());
            assertNull(observer.registry().find("rampart.requests").tag("route", "gone").counter());
        }
    }

    @Test
    void removingOneEndpointKeepsTheAttemptCountsOfTheOthers() {
        try (MicrometerObserver observer = new MicrometerObserver()) {
            observer.onAttempt("app", "10.0.0.1:80", "success");
            observer.onAttempt("app", "10.0.0.2:80", "success");
            observer.onAttempt("app", "10.0.0.2:80", "success");

            observer.removeEndpoint("app", "10.0.0.1:80");

            assertEquals(2.0, observer.registry().get("rampart.upstream.attempts")
                    .tag("endpoint", "10.0.0.2:80").counter().count());
            assertNull(observer.registry().find("rampart.upstream.attempts").tag("endpoint", "10.0.0.1:80").counter());
        }
    }

    @Test
    void anExchangeWithNoRouteNoReasonAndNoMethodIsCountedUnderNoneAndOther() {
        try (MicrometerObserver observer = new MicrometerObserver()) {
            observer.onExchangeComplete(new ExchangeRecord(1L, "r", "c", null, "/", 400, null, null, null, null, 0, 0,
                    0, 1_000_000, -1));
            Counter counter = observer.registry().find("rampart.requests").tags("route", MicrometerObserver.NONE,
                    "reason", MicrometerObserver.NONE, "method", "OTHER", "status", "400").counter();
            assertNotNull(counter, observer.scrape());
            assertEquals(1.0, counter.count());
        }
    }

    @Test
    void anUpstreamRemovedAndConfiguredAgainIsGaugedAgain() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        UpstreamGauges gauges = new UpstreamGauges(registry);
        gauges.register("a", () -> 1);
        gauges.register("b", () -> 2);
        gauges.retainOnly(Set.of("a", "b"));
        gauges.retainOnly(Set.of("b"));
        assertNull(registry.find("rampart.upstream.requests.active").tag("upstream", "a").gauge(),
                "removed by the second reload, though the first kept it");

        gauges.register("a", () -> 3);
        assertEquals(3.0, registry.get("rampart.upstream.requests.active").tag("upstream", "a").gauge().value(),
                "configured again: gauged again, from its new source");
        assertEquals(2.0, registry.get("rampart.upstream.requests.active").tag("upstream", "b").gauge().value());
    }

    @Test
    void theCompositeForwardsEveryKindOfEventToEveryObserver() {
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        ProxyObserver composite = CompositeObserver.of(recorder(first), recorder(second));
        composite.onClientConnectionRefused();
        composite.onPoolWait();
        composite.onCompressionLimited();
        composite.onClientTlsHandshakeFailed("unknown_ca");
        composite.onKeySetFetch(false);
        List<String> expected = List.of("refused", "pool-wait", "compression-limited", "tls unknown_ca", "jwks false");
        assertEquals(expected, first);
        assertEquals(expected, second);
    }

    @Test
    void aQuietStdoutShowsEveryLaterLineTooNotOnlyTheFirst() {
        LoggerContext context = new LoggerContext();
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        BufferedStdoutAppender<ILoggingEvent> appender = new BufferedStdoutAppender<>(target);
        try {
            context.setMDCAdapter(new LogbackMDCAdapter());
            LineEncoder encoder = new LineEncoder();
            encoder.setContext(context);
            encoder.start();
            appender.setContext(context);
            appender.setName("test");
            appender.setEncoder(encoder);
            appender.setFlushDelayMillis(20);
            appender.start();
            Logger logger = context.getLogger("test");
            appender.doAppend(new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "first", null, null));
            Await.until(() -> text(target).contains("first"), "the first line flushed");
            appender.doAppend(new LoggingEvent(Logger.class.getName(), logger, Level.INFO, "second", null, null));
            Await.until(() -> text(target).contains("second"), "the second line flushed by a timer of its own");
        } finally {
            appender.stop();
            context.stop();
        }
    }

    @Test
    void stallAndRecoveryDurationsAreMeasuredOnATickerThatDoesNotStartAtZero() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("watched-late", true),
                NioIoHandler.newFactory());
        AtomicLong now = new AtomicLong(TimeUnit.DAYS.toNanos(3)); // System.nanoTime() has any origin
        List<String> told = new CopyOnWriteArrayList<>();
        EventLoopWatchdog watchdog = new EventLoopWatchdog(List.of(group), now::get, Duration.ofSeconds(1),
                new EventLoopWatchdog.Listener() {
                    @Override
                    public void stalled(String thread, Duration stalledFor, StackTraceElement[] stack) {
                        told.add("stalled " + stalledFor.toMillis());
                    }

                    @Override
                    public void recovered(String thread, Duration stalledFor) {
                        told.add("recovered " + stalledFor.toMillis());
                    }
                });
        EventExecutor loop = group.next();
        CountDownLatch release = new CountDownLatch(1);
        try {
            watchdog.check();
            runOn(loop); // the first heartbeat ran
            CountDownLatch holding = new CountDownLatch(1);
            loop.execute(() -> {
                holding.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(holding.await(5, TimeUnit.SECONDS));
            watchdog.check(); // a heartbeat queued behind the block

            now.addAndGet(Duration.ofMillis(500).toNanos());
            watchdog.check();
            assertEquals(List.of(), told, "half the limit is no stall, whatever the clock's origin");

            now.addAndGet(Duration.ofMillis(1000).toNanos());
            watchdog.check();
            assertEquals(List.of("stalled 1500"), told);

            release.countDown();
            runOn(loop);
            watchdog.check();
            assertEquals(List.of("stalled 1500", "recovered 1500"), told);
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static void runOn(EventExecutor loop) throws Exception {
        loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
    }

    private static String text(ByteArrayOutputStream target) {
        synchronized (target) {
            return target.toString(StandardCharsets.UTF_8);
        }
    }

    private static Counter requests(MicrometerObserver observer, String route) {
        return observer.registry().get("rampart.requests").tag("route", route).counter();
    }

    private static ExchangeRecord exchange(String route, String method, int status) {
        return new ExchangeRecord(1L, "r", "c", method, "/", status, null, route, "app", "10.0.0.1:80", 1, 0, 0,
                2_000_000, 1_000_000);
    }

    private static ProxyObserver recorder(List<String> events) {
        return new ProxyObserver() {
            @Override
            public void onClientConnectionRefused() {
                events.add("refused");
            }

            @Override
            public void onPoolWait() {
                events.add("pool-wait");
            }

            @Override
            public void onCompressionLimited() {
                events.add("compression-limited");
            }

            @Override
            public void onClientTlsHandshakeFailed(String reason) {
                events.add("tls " + reason);
            }

            @Override
            public void onKeySetFetch(boolean succeeded) {
                events.add("jwks " + succeeded);
            }
        };
    }
}
