package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.proxy.KernelTcpInfo;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The connections to one endpoint owned by one event loop. Every method runs on that loop, so the
 * state needs no synchronisation. Idle connections are reused most-recently-used first (the warmest
 * one, and the oldest ones time out).
 */
final class EndpointPool {

    private final EventLoop loop;
    private final OriginPipeline pipeline;
    private final PoolSettings settings;
    private final EndpointConnector connector;
    private final int maxConnections;
    private final Ticker ticker;
    /** The process is ending: freed slots are not filled for waiters (see {@link OriginPools#openNoMoreForWaiters}). */
    private final BooleanSupplier ending;
    /** {@code pool-max-connection-age}: older connections are closed instead of reused. */
    private final long maxAgeNanos;
    private final ArrayDeque<OriginConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Promise<OriginConnection>> waiters = new ArrayDeque<>();
    /**
     * Connections released while requests wait, kept back until the loop has read what their upstream sent
     * meanwhile (see {@link #release}); apart from {@link #idle}, so that a new request does not take one ahead
     * of the requests already waiting.
     */
    private final ArrayDeque<OriginConnection> handing = new ArrayDeque<>();
    private boolean handOverScheduled;
    private final Runnable queued;
    /** Every open connection, idle or borrowed: what {@link #closeEverything} closes. Changes per connection, not per request. */
    private final Set<OriginConnection> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Borrowed connections whose response nobody waits for is being read to its end (see {@link #draining}). */
    private final Set<OriginConnection> draining = Collections.newSetFromMap(new IdentityHashMap<>());
    private int open;
    private boolean closed;
    /** How long the upstream was seen to keep idle connections, when its responses do not say (see {@link ObservedIdleTimeout}). */
    private final ObservedIdleTimeout observedIdleTimeout = new ObservedIdleTimeout();
    /** {@code pool-idle-timeout} less the margin of {@link KeepAliveHint}: idle longer, a connection is not taken. */
    private final long reusableWithinPoolIdleNanos;
    /** Settings a reload retired: connections are closed when released, not kept idle (see {@link #keepIdle}). */
    private boolean keepsNoIdle;

    /**
     * @param queued told each time a request waits for a connection because all of {@code maxConnections} are open
     */
    EndpointPool(EventLoop loop, Bootstrap bootstrap, OriginPipeline pipeline, PoolSettings settings, int maxConnections,
                 Ticker ticker, BooleanSupplier ending, Runnable queued) {
        this.loop = loop;
        this.queued = queued;
        this.ending = ending;
        this.ticker = ticker;
        this.maxAgeNanos = settings.maxAge().isZero() ? Long.MAX_VALUE : settings.maxAge().toNanos();
        this.reusableWithinPoolIdleNanos = KeepAliveHint.withMargin(settings.idleTimeout().toNanos());
        this.pipeline = pipeline;
        this.settings = settings;
        this.connector = new EndpointConnector(loop, bootstrap, settings, ticker);
        this.maxConnections = maxConnections;
    }

    /** A connection for one request: an idle one, a new one, or the next one released. */
    Future<OriginConnection> acquire() {
        assert loop.inEventLoop();
        connector.askAgainIfDue();
        OriginConnection conn;
        while ((conn = idle.pollFirst()) != null) {
            if (!conn.channel().isActive()) {
                continue;
            }
            long now = ticker.read();
            if (spent(conn, now) || idleTooLong(conn, now)) {
                conn.channel().close();
                continue;
            }
            conn.unparked(now);
            return loop.newSucceededFuture(conn);
        }
        Promise<OriginConnection> promise = loop.newPromise();
        if (closed) {
            promise.setFailure(new IllegalStateException("pool closed"));
        } else if (open < maxConnections) {
            connect(promise);
        } else if (waiters.size() < settings.maxPending() || !draining.isEmpty()) {
            waiters.addLast(promise);
            // A waiter whose request went away leaves the queue at once, so it neither holds a place that
            // max-pending counts nor gets a connection opened for nobody.
            promise.addListener(f -> {
                if (f.isCancelled()) {
                    waiters.remove(promise);
                }
            });
            giveUpADrain();
            queued.run();
        } else {
            promise.setFailure(new PoolExhaustedException(settings.address().authority()));
        }
        return promise;
    }

    void release(OriginConnection conn, boolean reusable) {
        assert loop.inEventLoop();
        draining.remove(conn);
        Channel ch = conn.channel();
        long now = ticker.read();
        if (!reusable || !ch.isActive() || spent(conn, now)) {
            ShutThenClose.close(ch); // the close listener hands the freed slot to a waiter
            return;
        }
        conn.parked(now);
        if (!waiters.isEmpty()) {
            // Not handed to the first waiter at once: an upstream that closes a connection right after its response
            // (with no Connection: close) has its FIN read only by a later read, and the waiter's request, a POST
            // say, would be written onto the closed connection and fail UPSTREAM_RESET. The pending read surfaces a
            // close, or bytes nobody asked for, before the hand-over; then the waiter gets a new connection instead.
            handing.addLast(conn);
            ch.read();
            scheduleHandOver();
            return;
        }
        keepIdle(conn);
    }

    /**
     * Hands the connections held back by {@link #release} to the waiters, after the loop has polled for I/O once
     * more: a task run now would come before the read that {@code release} asked for (NIO makes it only at the
     * next poll), so the hand-over is scheduled from a task: the loop takes scheduled tasks in only after that poll.
     */
    private void scheduleHandOver() {
        if (handOverScheduled) {
            return;
        }
        handOverScheduled = true;
        loop.execute(() -> loop.schedule(this::handOver, 0, TimeUnit.NANOSECONDS));
    }

    private void handOver() {
        handOverScheduled = false;
        OriginConnection conn;
        while ((conn = handing.pollFirst()) != null) {
            if (!conn.channel().isActive()) {
                continue; // closed while held back: its slot went to a waiter as a new connection
            }
            long now = ticker.read();
            Promise<OriginConnection> waiter;
            boolean handed = false;
            while (!handed && (waiter = waiters.pollFirst()) != null) {
                conn.unparked(now);
                handed = waiter.trySuccess(conn);
            }
            if (!handed) {
                keepIdle(conn); // every waiter went away meanwhile
            }
        }
    }

    /** {@code conn}, released whole and with nobody waiting, goes back to the idle connections (or closes). */
    private void keepIdle(OriginConnection conn) {
        Channel ch = conn.channel();
        if (closed || keepsNoIdle) {
            ch.close();
            return;
        }
        idle.addFirst(conn);
        // A pending read lets a close or stray bytes from the upstream surface while the connection is idle.
        ch.read();
    }

    /**
     * Closes the idle connections: one of them turned out dead when it was reused (an upstream or a NAT
     * that dropped idle connections), so the others, idle as long or longer, are suspect too.
     */
    void closeIdle() {
        assert loop.inEventLoop();
        OriginConnection conn;
        while ((conn = idle.pollFirst()) != null) {
            conn.channel().close();
        }
    }

    /**
     * {@code false}: from now on a released connection closes unless a request waits for it (requests are
     * still served); {@code true}: released connections are kept idle for reuse again.
     */
    void keepIdle(boolean keep) {
        keepsNoIdle = !keep;
    }

    /**
     * Takes no more requests and closes the idle connections. Requests already waiting are still served,
     * by the borrowed connections as they are released or by new ones as those close (a reload that
     * changed this endpoint's pool settings must not fail what was queued under the old ones); after that,
     * borrowed connections close when released.
     */
    void close() {
        closed = true;
        OriginConnection conn;
        while ((conn = idle.pollFirst()) != null) {
            conn.channel().close();
        }
    }

    /**
     * The end of the process (after its drain): {@link #close} and every borrowed connection closes too.
     * Nothing may outlive the event loops, whose shutdown does not promise to close what is left open.
     * Returns the closes, for the caller to wait for.
     */
    List<ChannelFuture> closeEverything() {
        assert loop.inEventLoop();
        List<OriginConnection> all = List.copyOf(live); // the idle ones too, which close() closes
        close();
        List<ChannelFuture> closes = new ArrayList<>(all.size());
        for (OriginConnection conn : all) {
            conn.channel().close();
            closes.add(conn.channel().closeFuture());
        }
        return closes;
    }

    int openConnections() {
        return open;
    }

    int idleConnections() {
        return idle.size();
    }

    private void connect(Promise<OriginConnection> promise) {
        open++;
        connector.connect(() -> pipeline.initializer(settings, new OriginConnection(this))).addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                if (noPooledConnectionOpenBesides(null)) {
                    failWaiters(f.cause());
                }
                connectionGone(null);
                return;
            }
            Channel ch = (Channel) f.getNow();
            OriginConnection conn = ch.pipeline().get(OriginConnection.class);
            Long tcpConnect = ch.attr(EndpointConnector.TCP_CONNECT_NANOS).get();
            conn.opened(ticker.read(), tcpConnect != null ? tcpConnect : 0L, KernelTcpInfo.roundTripNanos(ch));
            live.add(conn);
            ch.closeFuture().addListener(closed -> connectionGone(conn));
            OriginPipeline.tlsHandshake(ch, settings).addListener(hs -> {
                if (hs.isSuccess()) {
                    if (!promise.trySuccess(conn)) {
                        release(conn, true);
                    }
                } else {
                    // A handshake that fails is a connect that fails (connect-timeout bounds both): the queue fails
                    // with it as with a failed TCP connect, before the close hands the slot to one of them, which
                    // would otherwise wait out another handshake timeout, and the next one another, in turn. Not
                    // when the next connection goes otherwise (without the server name the endpoint warned of).
                    boolean nextMayConnect = pipeline.handshakeFailed(settings, hs.cause());
                    if (!nextMayConnect && noPooledConnectionOpenBesides(conn)) {
                        failWaiters(hs.cause());
                    }
                    ch.close();
                    promise.tryFailure(hs.cause());
                }
            });
        });
    }

    /**
     * A connect failed and no connection to the endpoint is open (a tunnel's aside, which will never serve
     * the queue): the requests queued for one fail with it, as Envoy fails its pending requests, and go to
     * another endpoint if their retry rules allow (nothing was sent). Left queued, behind an endpoint that drops connection attempts, each would wait a whole
     * {@code connect-timeout} in turn, one slot's connect after another's, before its first attempt failed.
     */
    private void failWaiters(Throwable cause) {
        Promise<OriginConnection> waiter;
        while ((waiter = waiters.pollFirst()) != null) {
            waiter.tryFailure(cause);
        }
    }

    /**
     * Whether no connection that can serve the queue is open: none at all, or only WebSocket tunnels, once
     * {@code failing} (null for none), whose handshake failed, is left out.
     */
    private boolean noPooledConnectionOpenBesides(OriginConnection failing) {
        for (OriginConnection conn : live) {
            if (conn != failing && !conn.isRawBytes()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Past {@code pool-max-connection-age}: a busy connection is never idle long enough to time out, and
     * without an end to its life it would keep the address its name had when it opened, however long ago. Or
     * past {@code pool-max-requests-per-connection}: behind an address that balances connections (a Kubernetes
     * Service), a busy pool's connections would otherwise stay with the backends they first reached. Or to an
     * address the endpoint's name no longer resolves to ({@link LastAnswer}), which it follows within seconds.
     */
    private boolean spent(OriginConnection conn, long now) {
        return now - conn.openedNanos() >= maxAgeNanos
                || settings.maxRequests() > 0 && conn.requests() >= settings.maxRequests()
                || !connector.stillAnswered(conn.channel());
    }

    /**
     * Idle for about as long as its upstream keeps an idle connection, by what its responses say ({@link KeepAliveHint})
     * or, when they say nothing, by the idle connections it was seen to close ({@link ObservedIdleTimeout}): the
     * upstream may be closing it this instant, and a request written onto it then fails (a POST for good). Or
     * idle nearly {@code pool-idle-timeout}, with the same margin: an upstream whose timer is as long (Jetty's
     * 30 s against the default) closes it then, and the pool's own close, as often first, teaches nothing.
     */
    private boolean idleTooLong(OriginConnection conn, long now) {
        long idle = conn.idleNanos(now);
        return conn.idlePastUpstreamHint(now)
                || idle >= observedIdleTimeout.reusableIdleNanos(now)
                || idle >= reusableWithinPoolIdleNanos;
    }

    /**
     * Whether {@code conn} may stay borrowed while the body of a response nobody waits for is read to its
     * end, so that it can be reused. Requests come first: not when one waits for a connection already, and a
     * request that comes to wait meanwhile has the drain given up, and the connection closed, so that its
     * slot opens a connection for the request at once.
     */
    boolean draining(OriginConnection conn) {
        assert loop.inEventLoop();
        for (Promise<OriginConnection> waiter : waiters) {
            if (!waiter.isDone()) {
                return false;
            }
        }
        draining.add(conn);
        return true;
    }

    private void giveUpADrain() {
        java.util.Iterator<OriginConnection> drains = draining.iterator();
        if (drains.hasNext()) {
            OriginConnection conn = drains.next();
            drains.remove();
            conn.channel().close(); // its close hands the freed slot to the waiter
        }
    }

    /**
     * A connection that became a WebSocket tunnel leaves the count of {@code max-connections-per-endpoint}
     * and its slot goes to the next waiter: a tunnel may stay open for hours, and requests must not wait
     * behind it (tunnels are bounded by {@code max-concurrent-requests}). It stays {@link #live}, so the
     * end of the process still closes it.
     */
    void detach(OriginConnection conn) {
        assert loop.inEventLoop();
        slotFreed();
    }

    /** A connection closed, or ({@code conn} null) one failed to open: its slot goes to the next waiter. */
    private void connectionGone(OriginConnection conn) {
        if (conn != null) {
            if (idle.remove(conn) && !conn.closedByProxyWhileIdle()) {
                // Still parked when it closed, and not by the pool or its idle watch: the upstream closed it.
                long now = ticker.read();
                observedIdleTimeout.upstreamClosedIdle(conn.idleNanos(now), now);
            }
            handing.remove(conn);
            live.remove(conn);
            draining.remove(conn);
            if (conn.isRawBytes()) {
                return; // its slot was freed when it became a tunnel
            }
        }
        slotFreed();
    }

    private void slotFreed() {
        open--;
        if (open < maxConnections && !ending.getAsBoolean()) {
            Promise<OriginConnection> waiter;
            while ((waiter = waiters.pollFirst()) != null) {
                if (!waiter.isDone()) { // one whose request went away needs no connection
                    connect(waiter);
                    return;
                }
            }
        }
    }
}
