package dev.rampart.server;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.ConfigUnits;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.EffectiveConfigRenderer;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.config.UpstreamConfig;
import dev.rampart.core.health.EndpointHealth;
import dev.rampart.core.health.HealthChecks;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.proxy.CannotListenException;
import dev.rampart.core.proxy.ProxyListener;
import dev.rampart.core.proxy.ProxyRuntime;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.resilience.BreakerRegistry;
import dev.rampart.core.resilience.BreakerSnapshot;
import dev.rampart.core.resilience.CircuitBreaker;
import dev.rampart.server.admin.AdminServer;
import dev.rampart.server.admin.AdminSources;
import dev.rampart.server.admin.BreakerView;
import dev.rampart.server.observe.AccessLogObserver;
import dev.rampart.server.observe.CompositeObserver;
import dev.rampart.server.observe.EventLoopStallReport;
import dev.rampart.server.observe.EventLoopWatchdog;
import dev.rampart.server.observe.Logging;
import dev.rampart.server.observe.MicrometerObserver;
import dev.rampart.server.observe.UpstreamGauges;
import io.netty.channel.EventLoopGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running Rampart: the proxy listener, the admin server, metrics and access log, reload and the
 * graceful drain. Built by {@link #start}; {@link #shutdown} drains and stops it.
 */
final class RampartServer {

    private static final Logger log = LoggerFactory.getLogger("rampart");
    /** How long the event loops go on after the last task of the shutdown (see {@link #shutdown}). */
    private static final long QUIET_PERIOD_MILLIS = 100;
    /** An event loop that has not turned for this long is reported (Envoy's watchdog "mega miss" default). */
    private static final Duration LOOP_STALL = Duration.ofSeconds(1);

    private final ConfigSource source;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final int loops;
    private final MicrometerObserver metrics;
    private final AtomicBoolean accessLogOn;
    private final ProxyRuntime runtime;
    private final ProxyListener listener;
    private final AdminServer admin;
    private final ConfigReloader reloader;
    private final Runnable stopWatchdog;
    /** Why faster transports than the one in use were passed over, for the start-up line; null when none were. */
    private final String transportPassedOver;
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** When the drain's grace ends ({@code System.nanoTime()}); set once, as it starts. */
    private volatile long drainDeadline;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<String> gaugedEndpoints = new HashSet<>();
    private final UpstreamGauges upstreamGauges;

    private RampartServer(ConfigSource source, RampartConfig config) throws IOException {
        this.source = source;
        Transport.Choice choice = chosenTransport();
        Transport transport = choice.transport();
        transportPassedOver = choice.passedOver();
        loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        acceptors = transport.newEventLoopGroup(1, "rampart-accept");
        workers = transport.newEventLoopGroup(loops, "rampart-io");
        metrics = new MicrometerObserver();
        upstreamGauges = new UpstreamGauges(metrics.registry());
        metrics.retainRoutes(routeNames(config)); // a reload then knows which routes it removes, used or not
        accessLogOn = new AtomicBoolean(config.accessLog().enabled());
        ProxyObserver accessLog = AccessLogObserver.toLogger();
        ProxyObserver observer = CompositeObserver.of(metrics, new ProxyObserver() {
            @Override
            public void onExchangeComplete(dev.rampart.core.observe.ExchangeRecord record) {
                if (accessLogOn.get()) {
                    accessLog.onExchangeComplete(record);
                }
            }
        });
        BreakerRegistry breakers = new BreakerRegistry(Ticker.systemTicker(), (upstream, endpoint, from, to) ->
                metrics.onBreakerTransition(upstream, endpoint, to.name().toLowerCase(Locale.ROOT)));
        runtime = new ProxyRuntime(config, transport, workers, loops, breakers, observer, Ticker.systemTicker(),
                Clock.systemUTC());
        registerUpstreamGauges(config);
        metrics.gaugeReplayMemory(runtime::replayMemoryHeld);
        Logging.accessLogQueue().ifPresent(metrics::countDroppedAccessLogLines);
        try {
            listener = ProxyListener.bind(runtime, acceptors);
        } catch (CannotListenException e) {
            throw new ListenerNotBound("rampart.server", e, e);
        }
        try {
            admin = AdminServer.start(config.admin(), new AdminSources(metrics::scrape, () -> !runtime.draining(),
                    () -> EffectiveConfigRenderer.renderJson(runtime.config()), this::breakerViews));
        } catch (IOException e) {
            if (e.getCause() instanceof CannotListenException refused) {
                throw new ListenerNotBound("rampart.admin", e, refused);
            }
            throw e;
        }
        stopWatchdog = new EventLoopWatchdog(List.of(acceptors, workers), Ticker.systemTicker(), LOOP_STALL,
                new EventLoopStallReport(metrics.registry())).runEvery(LOOP_STALL.dividedBy(4));
        reloader = new ConfigReloader(source, new ConfigReloader.Target() {
            @Override
            public void prepare(RampartConfig next) {
                runtime.awaitNewKeySets(next);
            }

            @Override
            public RampartConfig apply(RampartConfig next) {
                return applyReload(next);
            }

            @Override
            public void reloaded(boolean success) {
                metrics.onConfigReload(success);
            }
        });
    }

    /**
     * The line operators (and the process tests) wait for: logged once the server also answers signals,
     * so that a SIGTERM right after it drains instead of killing the JVM.
     */
    private void announceListening() {
        RampartConfig config = runtime.config();
        Transport transport = runtime.transport();
        log.info("rampart {} listening on {}://{} ({} transport{}, {} event loops); admin on {}; config: {} ({}, {})",
                Main.version(), config.server().tls().isPresent() ? "https" : "http",
                ProxyListener.hostAndPort(config.server().host(), listener.port()), transport.name(),
                transportPassedOver == null ? "" : "; " + transportPassedOver, loops,
                ProxyListener.hostAndPort(config.admin().host(), admin.port()), source.describe(),
                ConfigReloader.count(config.routes().size(), "route"), ConfigReloader.count(config.upstreams().size(), "upstream"));
        ConfigWarningLog.log("start", config);
    }

    /** The transport {@code -Drampart.transport} asks for, else the fastest this kernel allows. */
    private static Transport.Choice chosenTransport() {
        try {
            return Transport.chosen(System.getProperty(Transport.PROPERTY));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e); // the start fails with the reason, exit code 1
        }
    }

    /**
     * Starts everything; throws {@link IllegalStateException} when a port cannot be bound.
     *
     * @param handleSignals install the TERM/INT (drain) and HUP (reload) handlers; off for in-process tests
     */
    static RampartServer start(ConfigSource source, RampartConfig config, boolean handleSignals) throws IOException {
        if (handleSignals) {
            Signals.holdStopUntilStarted(); // the listener serves from its bind on
        }
        RampartServer server = new RampartServer(source, config);
        server.reloader.watchFile();
        if (handleSignals) {
            Signals.on("HUP", () -> server.reloader.reload("SIGHUP"), "to reload, change the config file");
            Signals.on("TERM", () -> server.shutdown("SIGTERM"), "stop with SIGINT");
            Signals.on("INT", () -> server.shutdown("SIGINT"), null);
        }
        server.announceListening();
        String stop = handleSignals ? Signals.stopCameWhileStarting() : null;
        if (stop != null) {
            server.shutdown(stop + " while starting"); // drains what the listener took meanwhile, then stops
        } else if (handleSignals && Signals.hupCameWhileStarting()) {
            server.reloader.reload("SIGHUP while starting"); // the file may have changed since it was read
        }
        return server;
    }

    int port() {
        return listener.port();
    }

    /** What reloads it: for tests that hand it a config read apart from the file. */
    ConfigReloader reloader() {
        return reloader;
    }

    int adminPort() {
        return admin.port();
    }

    /** Blocks the calling (main) thread until the server has stopped. */
    void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private RampartConfig applyReload(RampartConfig loaded) {
        RampartConfig previous = runtime.config();
        RampartConfig next = ListenerSettings.keptFrom(previous, loaded);
        List<String> notApplied = ListenerSettings.changed(previous, loaded);
        // All or nothing: everything that may fail is read and built before anything changes, so that a file that
        // became unusable after the check (a rotation caught halfway) refuses the whole reload, not the part of it
        // that read the file while the rest goes on.
        ProxyListener.PreparedTls tls;
        try {
            // Read again even when the paths are the same: rotated in place.
            tls = next.server().tls().map(listener::prepareTls).orElse(null);
        } catch (IllegalStateException e) {
            runtime.reloadRefused();
            throw new ConfigReloader.Refused(e.getMessage(), e);
        }
        ProxyRuntime.Prepared prepared;
        try {
            prepared = runtime.prepare(next);
        } catch (RuntimeException e) {
            throw new ConfigReloader.Refused("building it failed: " + e, e);
        }
        if (!notApplied.isEmpty()) {
            log.warn("reload: {} changed, which takes effect only after a restart; still listening as before"
                    + " (the rest of the new config is applied)", String.join(", ", notApplied));
        }
        if (tls != null) {
            listener.commitTls(tls);
        }
        runtime.commit(prepared);
        accessLogOn.set(next.accessLog().enabled());
        registerUpstreamGauges(next);
        metrics.retainRoutes(routeNames(next));
        return next;
    }

    private static Set<String> routeNames(RampartConfig config) {
        return config.routes().stream().map(RouteConfig::name).collect(java.util.stream.Collectors.toSet());
    }

    /**
     * One state gauge per endpoint, one gauge of requests in flight per upstream; gauges of endpoints and
     * upstreams no longer configured are removed.
     */
    private synchronized void registerUpstreamGauges(RampartConfig config) {
        Set<String> now = new HashSet<>();
        for (UpstreamConfig uc : config.upstreams().values()) {
            String upstream = uc.name();
            upstreamGauges.register(upstream, () -> runtime.requestsInFlight(upstream));
            for (EndpointAddress address : uc.endpoints()) {
                CircuitBreaker breaker = runtime.breakers().get(uc.name(), address, uc.circuitBreaker());
                metrics.registerBreakerState(uc.name(), address.authority(), () -> breaker.reportedState().gaugeValue());
                if (uc.healthCheck().isPresent()) {
                    // The same verdict object load balancing reads, as the breaker gauge reads the breaker.
                    EndpointHealth health = runtime.healthChecks().healthOf(uc.name(), address, uc.healthCheck());
                    metrics.registerEndpointHealth(uc.name(), address.authority(), () -> health.healthy() ? 1 : 0);
                } else {
                    metrics.removeEndpointHealth(uc.name(), address.authority());
                }
                now.add(uc.name() + "\n" + address.authority());
            }
        }
        for (String gone : gaugedEndpoints) {
            if (!now.contains(gone)) {
                String[] parts = gone.split("\n", 2);
                metrics.removeEndpoint(parts[0], parts[1]);
            }
        }
        gaugedEndpoints.clear();
        gaugedEndpoints.addAll(now);
        upstreamGauges.retainOnly(config.upstreams().keySet());
    }

    private List<BreakerView> breakerViews() {
        java.util.Map<List<String>, Boolean> health = new java.util.HashMap<>();
        for (HealthChecks.Verdict v : runtime.healthChecks().verdicts()) {
            health.put(List.of(v.upstream(), v.endpoint()), v.healthy());
        }
        // A reload builds the new config's breakers before it forgets those of the endpoints it removed, so
        // for a moment the registry holds both: the view shows the running config's endpoints only.
        // Mapped to whether the endpoint is a backup.
        java.util.Map<List<String>, Boolean> configured = new java.util.HashMap<>();
        runtime.config().upstreams().forEach((name, upstream) -> upstream.endpoints()
                .forEach(endpoint -> configured.put(List.of(name, endpoint.authority()), upstream.backup(endpoint))));
        List<BreakerView> views = new ArrayList<>();
        for (BreakerSnapshot s : runtime.breakers().snapshot()) {
            Boolean backup = configured.get(List.of(s.upstream(), s.endpoint()));
            if (backup == null) {
                continue;
            }
            Boolean healthy = health.get(List.of(s.upstream(), s.endpoint()));
            views.add(new BreakerView(s.upstream(), s.endpoint(), s.state().name().toLowerCase(Locale.ROOT),
                    s.callsInWindow() == 0 ? Double.NaN : s.failureRate(), s.callsInWindow(), s.secondsToHalfOpen(),
                    healthy == null ? "unchecked" : healthy ? "healthy" : "unhealthy", backup));
        }
        return views;
    }

    /**
     * The graceful drain: readiness turns 503, the listener stops accepting, idle keep-alive connections
     * close, responses carry {@code Connection: close}, and connections get {@code shutdown-grace} to
     * finish; then an exchange still running is answered 503 SHUTTING_DOWN (or cut, if its response had
     * started), every connection closes and the process exits 0.
     */
    void shutdown(String signal) {
        Duration grace = runtime.config().server().shutdownGrace();
        if (!stopping.compareAndSet(false, true)) {
            // Said, so that a second Ctrl-C is not met with silence: the drain goes on as it was.
            long ends = drainDeadline; // 0 for the instant between the first signal's start and its deadline
            Duration left = ends == 0 ? grace : Duration.ofNanos(Math.max(0, ends - System.nanoTime()));
            log.info("{}: already draining ({} requests in flight); it ends when they do, in {} at most;"
                    + " SIGKILL stops the process now", signal, runtime.inFlight(),
                    ConfigUnits.duration(Duration.ofSeconds((left.toMillis() + 999) / 1000)));
            return;
        }
        // Whatever ending a part of the process throws, the main thread, which waits for this stop to end the
        // process, is let go: a stop that hung would leave the process running (a pod Terminating until killed).
        try {
            drainAndStop(signal, grace);
        } finally {
            stopped.countDown();
        }
    }

    private void drainAndStop(String signal, Duration grace) {
        drainDeadline = System.nanoTime() + grace.toNanos();
        log.info("{}: draining; {} requests in flight, up to {} to finish", signal, runtime.inFlight(),
                ConfigUnits.duration(grace));
        runtime.startDraining();
        // No config is applied once the drain has begun (nginx and Envoy take none after a shutdown signal
        // either): a reload in progress is not waited for, nor applied when it is done.
        reloader.close();
        listener.stopAccepting().awaitUninterruptibly(1, TimeUnit.SECONDS);
        listener.closeIdleConnections();
        long deadline = drainDeadline;
        try {
            // Each busy connection closes after its response (Connection: close), so waiting for the
            // connections, not only the requests, lets a client's request already on the wire be answered.
            boolean closed = listener.connectionsClosed().await(grace.toMillis());
            boolean quiet = runtime.awaitQuiescence(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            if (!closed || !quiet) {
                log.warn("shutdown grace {} passed with {} requests in flight on {} connections; ending them",
                        ConfigUnits.duration(grace), runtime.inFlight(), listener.openConnections());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        runtime.refuseNewRequests();
        io.netty.channel.group.ChannelGroupFuture closing = listener.connectionsClosed();
        listener.closeConnections();
        closing.awaitUninterruptibly(2, TimeUnit.SECONDS);
        admin.close();
        runtime.close();
        stopWatchdog.run(); // before the loops end: an ending loop is not a stalled one
        // A short quiet period: the loops go on a moment after the last closes, so that what the kernel still
        // owes them ends before they do (io_uring ends a close, and then deregisters the channel, only when the
        // socket's cancelled operations have come back; one that came back after the loop's end could no longer
        // deregister it, and Netty warned of a rejected task).
        workers.shutdownGracefully(QUIET_PERIOD_MILLIS, 1000, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS);
        acceptors.shutdownGracefully(QUIET_PERIOD_MILLIS, 1000, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(5, TimeUnit.SECONDS);
        metrics.close();
        log.info("stopped");
    }
}
