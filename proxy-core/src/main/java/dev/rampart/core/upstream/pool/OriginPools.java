package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.observe.WarningSpell;
import dev.rampart.core.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * Every upstream connection pool of the process. A pool belongs to one event loop and one
 * {@link PoolSettings}; an exchange asks for the pool of its own client's loop, so borrowing is
 * lock-free and never crosses threads. {@code max-connections-per-endpoint} is split over the loops so
 * that the shares add up to it; each loop needs at least one connection, so with fewer connections than
 * loops every loop gets one.
 */
public final class OriginPools {

    private static final Logger log = LoggerFactory.getLogger(OriginPools.class);
    /** The warnings of requests that wait for a connection, by endpoint. */
    private final Map<String, WarningSpell> queueing = new ConcurrentHashMap<>();

    private final Bootstrap bootstrap;
    /** The health checks' connections, counted open until closed: the end of the process waits for them. */
    private final OpenChannels<SocketChannel> probeSockets;
    /** {@link #bootstrap}, its channels made by {@link #probeSockets}. */
    private final Bootstrap probeBootstrap;
    private final OriginPipeline pipeline;
    private final int loopCount;
    /** Set once, at the end of the drain (see {@link #openNoMoreForWaiters}); read on every loop. */
    private volatile boolean ending;
    /** Connection ages ({@code pool-max-connection-age}). */
    private final Ticker ticker;
    private final ConcurrentHashMap<EventExecutor, Map<PoolSettings, EndpointPool>> byLoop = new ConcurrentHashMap<>();
    /** Each loop's place among the loops, for its share of an endpoint's connections. */
    private final ConcurrentHashMap<EventExecutor, Integer> loopIndex = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger loopsSeen = new java.util.concurrent.atomic.AtomicInteger();
    /** The settings the running config uses, once a reload has said so; null before (every pool is in use). */
    private volatile java.util.Set<PoolSettings> inUse;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    /** Told of every request that waits for a connection (counted in the metrics; any thread). */
    private final Runnable waited;

    /**
     * @param maxResponseHeaderSize longest upstream response head accepted
     * @param ticker                the time connections' ages are measured in
     * @param waited                run each time a request waits for a connection (see {@link #queued}), on
     *                              the request's event loop: must be cheap and must not block
     */
    public OriginPools(Transport transport, EventLoopGroup group, int loopCount,
                       AddressResolverGroup<InetSocketAddress> resolver, int maxResponseHeaderSize, Ticker ticker,
                       Runnable waited) {
        this.loopCount = Math.max(1, loopCount);
        this.waited = waited;
        this.ticker = ticker;
        this.pipeline = new OriginPipeline(maxResponseHeaderSize, ticker);
        this.resolver = resolver;
        Bootstrap common = new Bootstrap()
                .group(group)
                .resolver(resolver)
                .option(ChannelOption.AUTO_READ, false)
                // Off: EndpointConnector bounds each connect with a timer that lets a connect that completed while
                // the process was stopped go first; Netty's own would fail it when the process runs again.
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 0)
                // A failed write shuts the output down instead of closing: an upstream that answered early and
                // then reset (its body unread) has its answer waiting to be read, and the close that follows
                // the read decides. Every failure path closes the connection itself.
                .option(ChannelOption.AUTO_CLOSE, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
        this.bootstrap = common.clone().channel(transport.socketChannelClass());
        this.probeSockets = new OpenChannels<>(transport.socketChannelClass());
        this.probeBootstrap = common.clone().channelFactory(probeSockets);
    }

    /** Borrows a connection to {@code settings.address()}; must be called on {@code loop}. */
    public Future<OriginConnection> acquire(EventLoop loop, PoolSettings settings) {
        return poolFor(loop, settings).acquire();
    }

    /** {@link #probe(EventLoop, PoolSettings, String, java.time.Duration, int, KeptProbeConnection.Use)} on a fresh connection. */
    public Future<Integer> probe(EventLoop loop, PoolSettings settings, String path, java.time.Duration timeout,
                                 int sequence) {
        return probe(loop, settings, path, timeout, sequence, null);
    }

    /** {@link #probe(EventLoop, PoolSettings, String, String, java.time.Duration, int, KeptProbeConnection.Use)} with the endpoint's own {@code Host}. */
    public Future<Integer> probe(EventLoop loop, PoolSettings settings, String path, java.time.Duration timeout,
                                 int sequence, KeptProbeConnection.Use kept) {
        return probe(loop, settings, path, settings.address().hostHeader(), timeout, sequence, kept);
    }

    /**
     * Sends one health-check request to {@code settings.address()} from {@code loop}, on the connection
     * {@code kept} holds if it is still open, else on a fresh one, which {@code kept} then holds if the
     * response allows another request on it.
     *
     * @param sequence the probe's number in its endpoint's schedule: a name's addresses are tried from the
     *                 {@code sequence}-th on, so that an address that never answers, which takes a probe's whole
     *                 time, cannot fail every probe while traffic reaches the endpoint on its other addresses
     * @param host     the request's {@code Host}: the endpoint's own, or the one its check names
     * @param kept     the connection kept between the endpoint's probes; null for a fresh connection each time,
     *                 closed after the response head
     * @return the response status; fails on any connect, TLS or protocol error, or after {@code timeout}
     */
    public Future<Integer> probe(EventLoop loop, PoolSettings settings, String path, String host,
                                 java.time.Duration timeout, int sequence, KeptProbeConnection.Use kept) {
        return OriginProbe.run(loop, probeBootstrap, pipeline, settings, path, host, timeout, sequence, kept);
    }

    /**
     * Connects to {@code settings.address()} from {@code loop}, TLS handshake included for an {@code https://}
     * endpoint, and closes the connection at once: a connect-only health check ({@link ConnectProbe}).
     *
     * @return succeeds when the endpoint was reached; fails on any connect or TLS error, or after {@code timeout}
     */
    public Future<Void> connectProbe(EventLoop loop, PoolSettings settings, java.time.Duration timeout,
                                     int sequence) {
        return ConnectProbe.run(loop, probeBootstrap, pipeline, settings, timeout, sequence);
    }

    /**
     * A request waits for a connection to an endpoint whose share of connections on this event loop is all in
     * use: nothing else says so (the wait ends at the route's timeout, a 504), and long-lived responses such as
     * server-sent events fill a pool this way. Warned of once per spell of 10 s per endpoint, and counted
     * ({@code rampart_upstream_pool_waits_total}) each time, so that a dashboard shows how often.
     */
    private void queued(EventLoop loop, PoolSettings settings, int share) {
        waited.run();
        String endpoint = settings.address().authority();
        queueing.computeIfAbsent(endpoint, e -> new WarningSpell(Duration.ofSeconds(10))).occurred(loop,
                () -> log.warn("endpoint {}: all {} connections of an event loop's share of max-connections-per-endpoint"
                        + " ({}) are in use; requests wait for one to be released, up to their route's timeout (raise"
                        + " the limit for long-lived responses such as server-sent events)", endpoint, share,
                        settings.maxConnections()),
                more -> log.warn("endpoint {}: {} more requests waited for a connection in the last 10 s", endpoint,
                        more));
    }

    /** Closes the idle connections of pools whose settings are no longer in use (after a reload). */
    public void retainOnly(java.util.Set<PoolSettings> inUse) {
        this.inUse = java.util.Set.copyOf(inUse);
        queueing.keySet().retainAll(inUse.stream().map(settings -> settings.address().authority()).toList());
        onEachLoop(pools -> pools.entrySet().removeIf(p -> {
            if (inUse.contains(p.getKey())) {
                // In use again (a rollback), or made for this config in the moment before this set was
                // published: its connections are kept idle as any pool's are.
                p.getValue().keepIdle(true);
                return false;
            }
            p.getValue().close();
            return true;
        }));
    }

    /**
     * Builds the TLS contexts of {@code inUse}'s {@code https://} endpoints now, on the calling thread (the start's,
     * a reload's), so that the first connection to each does not build its own on an event loop: reading the
     * files and the first TLS setup of the JVM take hundreds of milliseconds, which every connection on that loop
     * would wait out. One that cannot be built is left for its first connection to fail with, as before.
     */
    public void prepareTls(Set<PoolSettings> inUse) {
        inUse.stream().filter(settings -> settings.address().tls()).map(PoolSettings::tls).distinct()
                .forEach(pipeline::prepare);
    }

    /**
     * Builds the TLS contexts of {@code inUse}'s {@code https://} endpoints from their files as they are now and drops
     * them, changing nothing: a reload calls it before it swaps in, and is refused when one cannot be built (a trust
     * file or client certificate caught halfway through a rotation after the config was loaded), rather than
     * retiring the pools whose trust file it could not read and failing every new connection until the next one.
     * Throws {@link IllegalStateException} naming the endpoint and the problem.
     */
    public void checkTls(Set<PoolSettings> inUse) {
        Set<UpstreamTlsConfig> checked = new HashSet<>();
        for (PoolSettings settings : inUse) {
            if (settings.address().tls() && checked.add(settings.tls())) {
                try {
                    pipeline.check(settings.tls());
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("endpoint " + settings.address().authority() + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** The TLS context built for {@code tls}, or null when none is: for tests. */
    io.netty.handler.ssl.SslContext tlsContextBuilt(UpstreamTlsConfig tls) {
        return pipeline.contextBuilt(tls);
    }

    /**
     * New connections to {@code https://} endpoints read their trust files again (on reload). The pools of a
     * setting whose trust file now holds something else are retired as a reload retires changed settings' (idle
     * connections closed, borrowed ones at their release): their connections were checked against certificates
     * no longer trusted, a CA pulled because it leaked, say (Envoy drains a cluster's pools when its TLS context
     * changes; nginx's reload retires its upstream connections).
     *
     * @return the TLS settings whose trust file now holds something else (or cannot be read)
     */
    public Set<UpstreamTlsConfig> reloadTrust() {
        Set<UpstreamTlsConfig> trustChanged = pipeline.forgetTlsContexts();
        if (trustChanged.isEmpty()) {
            return trustChanged;
        }
        // Waited for (the reload's thread, not a loop), so that no request after the reload takes one of them.
        onEachLoop(pools -> pools.entrySet().removeIf(p -> {
            if (!trustChanged.contains(p.getKey().tls())) {
                return false;
            }
            p.getValue().close();
            return true;
        })).forEach(retired -> retired.awaitUninterruptibly(CLOSE_WAIT.toMillis()));
        return trustChanged;
    }

    /**
     * The end of the process: closes every connection, borrowed ones too (a WebSocket tunnel's, a request's
     * the drain cut), and forgets the pools. Runs on each loop as a task, which the loop's shutdown still
     * runs; nothing is left for the shutdown itself to close (with no quiet period it may not). The resolvers'
     * datagram sockets are closed too, and the health checks' connections (stop the checks first, else a probe
     * may open another): on io_uring a socket still open at the loop's end leaves the buffer of its pending receive
     * unreleased. Returns once every connection has closed, or after {@link #CLOSE_WAIT}:
     * io_uring ends a close only when the kernel has given back the socket's pending operations, and a close that
     * ended after its loop's shutdown could no longer deregister the channel (Netty warns of a rejected task).
     * Blocks: not for an event loop.
     */
    public void closeAll() {
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        List<Future<List<ChannelFuture>>> closing = new ArrayList<>();
        for (Map.Entry<EventExecutor, Map<PoolSettings, EndpointPool>> e : byLoop.entrySet()) {
            if (e.getKey().inEventLoop()) {
                throw new IllegalStateException("closeAll waits for the event loops: call it from another thread");
            }
            Map<PoolSettings, EndpointPool> pools = e.getValue();
            closing.add(e.getKey().submit(() -> {
                List<ChannelFuture> closed = new ArrayList<>();
                pools.values().removeIf(pool -> {
                    closed.addAll(pool.closeEverything());
                    return true;
                });
                return closed;
            }));
        }
        resolver.close();
        for (Future<List<ChannelFuture>> loop : closing) {
            if (loop.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)
                    && loop.isSuccess()) {
                for (ChannelFuture closed : loop.getNow()) {
                    closed.awaitUninterruptibly(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            }
        }
        // The health checks' connections: the checks' close (before this) only began to close them, a cancelled probe
        // closing its own on its loop after this thread moved on, and one still connecting only at its connect's end.
        probeSockets.closeEach();
        probeSockets.awaitClosed(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** The health checks' connections open now (or not yet closed), for tests of the end. */
    public int probeConnectionsOpen() {
        return probeSockets.openNow();
    }

    /** How long {@link #closeAll} waits for the connections to close. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /** Runs {@code action} on each loop's pools, on that loop; the tasks, for a caller that waits for them. */
    private List<Future<?>> onEachLoop(java.util.function.Consumer<Map<PoolSettings, EndpointPool>> action) {
        List<Future<?>> tasks = new ArrayList<>(byLoop.size());
        for (Map.Entry<EventExecutor, Map<PoolSettings, EndpointPool>> e : byLoop.entrySet()) {
            Map<PoolSettings, EndpointPool> pools = e.getValue();
            Future<?> task = e.getKey().submit(() -> action.accept(pools));
            // As the loop logs what a task it was given to execute throws: a submitted one only fails its future.
            task.addListener(done -> {
                if (!done.isSuccess()) {
                    log.error("a task on the upstream pools of {} failed", e.getKey(), done.cause());
                }
            });
            tasks.add(task);
        }
        return tasks;
    }

    /** Closes {@code loop}'s idle connections to the endpoint of {@code settings} (see {@link EndpointPool#closeIdle}). */
    public void closeIdle(EventLoop loop, PoolSettings settings) {
        Map<PoolSettings, EndpointPool> pools = byLoop.get(loop);
        EndpointPool pool = pools == null ? null : pools.get(settings);
        if (pool != null) {
            pool.closeIdle();
        }
    }

    /**
     * The end of the drain: a slot a closing connection frees is no longer filled with a new connection
     * for a request still waiting; that request is about to be answered {@code SHUTTING_DOWN}, and nothing
     * would be sent on the connection.
     */
    public void openNoMoreForWaiters() {
        ending = true;
    }

    boolean ending() {
        return ending;
    }

    /** Pooled connections open to an endpoint across all loops, WebSocket tunnels not included (for tests); a racy snapshot. */
    public int openConnections(PoolSettings settings) {
        return sumOverLoops(settings, EndpointPool::openConnections);
    }

    /** Pooled connections to an endpoint idle in its pools across all loops (for tests); a racy snapshot. */
    public int idleConnections(PoolSettings settings) {
        return sumOverLoops(settings, EndpointPool::idleConnections);
    }

    private int sumOverLoops(PoolSettings settings, ToIntFunction<EndpointPool> count) {
        int total = 0;
        for (Map<PoolSettings, EndpointPool> pools : byLoop.values()) {
            EndpointPool pool = pools.get(settings);
            if (pool != null) {
                total += count.applyAsInt(pool);
            }
        }
        return total;
    }

    /** Loop {@code index}'s share of {@code total} over {@code loops}: the shares add up to {@code total}. */
    static int sharesOf(int total, int loops, int index) {
        return total / loops + (index < total % loops ? 1 : 0);
    }

    private EndpointPool poolFor(EventLoop loop, PoolSettings settings) {
        Map<PoolSettings, EndpointPool> pools = byLoop.computeIfAbsent(loop, l -> new ConcurrentHashMap<>());
        EndpointPool pool = pools.get(settings);
        if (pool == null) {
            int index = loopIndex.computeIfAbsent(loop, l -> loopsSeen.getAndIncrement()) % loopCount;
            int share = Math.max(1, sharesOf(settings.maxConnections(), loopCount, index));
            Bootstrap loopBootstrap = bootstrap.clone(loop);
            pool = new EndpointPool(loop, loopBootstrap, pipeline, settings, share, ticker, this::ending,
                    () -> queued(loop, settings, share));
            java.util.Set<PoolSettings> current = inUse;
            if (current != null && !current.contains(settings)) {
                // A retry, after a reload, of an exchange that began under settings the reload retired: it is
                // served, but what it leaves idle is closed, not kept open for a config that is gone. Kept in
                // the map so that the next reload, or the end of the process, closes what it still holds.
                pool.keepIdle(false);
            }
            pools.put(settings, pool);
        }
        return pool;
    }
}
