package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.auth.JwtVerifiers;
import dev.rampart.core.auth.RemoteKeySets;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.health.HealthChecks;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.resilience.BreakerRegistry;
import dev.rampart.core.resilience.Bulkheads;
import dev.rampart.core.resilience.RateLimiters;
import dev.rampart.core.resilience.RetryBudgets;
import dev.rampart.core.upstream.EndpointLoads;
import dev.rampart.core.upstream.pool.OriginPools;
import dev.rampart.core.upstream.pool.OpenChannels;
import dev.rampart.core.upstream.pool.StoppableResolverGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.dns.DnsNameResolverBuilder;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The long-lived state of a running proxy: the current config generation (swapped atomically on reload),
 * the state that outlives generations ({@link CarriedState}), and the drain flags. One per process.
 */
public final class ProxyRuntime {

    private final AtomicReference<ProxySnapshot> current = new AtomicReference<>();
    private final CarriedState carried;
    private final ProxyObserver observer;
    private final Ticker ticker;
    private final Clock clock;
    private final Transport transport;
    private final OpenChannels<DatagramChannel> resolverSockets;
    private final EventLoopGroup workers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object quiescence = new Object();
    private volatile boolean draining;
    private volatile boolean refusing;

    /**
     * @param workers the event loops client and upstream connections share
     * @param loops   how many loops {@code workers} has
     */
    public ProxyRuntime(RampartConfig config, Transport transport, EventLoopGroup workers, int loops,
                        BreakerRegistry breakers, ProxyObserver observer, Ticker ticker, Clock clock) {
        this.transport = transport;
        this.workers = workers;
        this.observer = observer;
        this.ticker = ticker;
        this.clock = clock;
        resolverSockets = new OpenChannels<>(transport.datagramChannelClass());
        StoppableResolverGroup resolver = new StoppableResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelFactory(resolverSockets));
        OriginPools pools = new OriginPools(transport, workers, loops, resolver, 64 * 1024, ticker,
                observer::onPoolWait);
        this.carried = new CarriedState(breakers, new Bulkheads(), new EndpointLoads(), new RetryBudgets(ticker),
                new RateLimiters(ticker), new HealthChecks(workers, pools::probe, pools::connectProbe, ticker,
                this::panicking), pools, new ReplayMemory(),
                new RemoteKeySets(ticker, observer::onKeySetFetch), new JwtVerifiers(ticker, clock),
                new CompressionSlots(observer::onCompressionLimited),
                new ShortageWarnings(ticker));
        ProxySnapshot first = build(config);
        pools.prepareTls(first.poolsInUse());
        carried.adopt(first, null);
        carried.loads().started();
        current.set(first);
        carried.health().run(first.healthTargets(), first::serves);
    }

    /**
     * Swaps in a new, already validated config for new requests; in-flight ones finish on theirs. Waits first for
     * the key sets it names for the first time ({@link #awaitNewKeySets}), unless that was done before.
     */
    public void apply(RampartConfig config) {
        commit(prepare(config));
    }

    /** A config built to serve, nothing running changed by it yet, for {@link #commit}. */
    public static final class Prepared {
        private final ProxySnapshot snapshot;

        private Prepared(ProxySnapshot snapshot) {
            this.snapshot = snapshot;
        }
    }

    /**
     * The first half of {@link #apply}: waits for the key sets {@code config} names for the first time and builds
     * its generation, changing nothing the running one serves with: a throw leaves the proxy as it was, and so does
     * a prepared config never committed (a later part of the reload refused) until the next one is prepared.
     */
    public Prepared prepare(RampartConfig config) {
        // What an earlier one made and never committed; not the key sets the reload has just started for this one.
        carried.discardPending();
        try {
            awaitNewKeySets(config);
            ProxySnapshot next = build(config);
            // The upstreams' TLS files are read again at the swap (a CA or client certificate rotated in place):
            // read now too, so that one unusable since the config was loaded refuses the reload, not the upstream.
            carried.pools().checkTls(next.poolsInUse());
            return new Prepared(next);
        } catch (RuntimeException | Error e) {
            carried.discard(current.get());
            throw e;
        }
    }

    /**
     * A reload readied with {@link #awaitNewKeySets} was refused before it was {@link #prepare}d (the listener's files
     * unusable): the key sets it started fetching, which the running config does not name, are forgotten.
     */
    public void reloadRefused() {
        carried.discard(current.get());
    }

    /** The second half of {@link #apply}: swaps {@code prepared} in for new requests; in-flight ones end on theirs. */
    public void commit(Prepared prepared) {
        ProxySnapshot next = prepared.snapshot;
        Set<UpstreamTlsConfig> trustChanged = carried.pools().reloadTrust();
        carried.pools().prepareTls(next.poolsInUse()); // off the loops: see OriginPools.prepareTls
        carried.adopt(next, current.get());
        current.set(next);
        carried.retainOnly(next);
        carried.health().run(next.healthTargets(), next::serves, trustChanged);
    }

    /**
     * Starts fetching the key sets of the {@code jwks-uri}s {@code config} names for the first time and waits, up to
     * {@link #NEW_KEY_SET_WAIT} in all, for each first fetch to end: a reload does this before its config serves
     * (Envoy's listener waits for its remote key sets too), else those routes would answer 503 AUTH_UNAVAILABLE
     * meanwhile. Apart from the swap, so that a shutdown need not wait for it. Blocks: not for an event loop.
     */
    public void awaitNewKeySets(RampartConfig config) {
        Set<URI> known = carried.keySets().uris();
        Map<URI, Duration> refreshes = ProxySnapshot.keySetRefreshes(config);
        config.routes().forEach(route -> route.jwt().flatMap(JwtConfig::remoteKeys)
                .filter(remote -> !known.contains(remote.uri()))
                .ifPresent(remote -> carried.keySets().forUri(remote.uri(), refreshes.get(remote.uri()),
                        remote.trustCertChain())));
        carried.keySets().awaitFirstFetches(known, NEW_KEY_SET_WAIT);
    }

    /** Whether the upstream of that name, in the config in force, ignores health now (its panic mode). */
    private boolean panicking(String upstreamName) {
        ProxySnapshot snapshot = current.get();
        dev.rampart.core.upstream.Upstream upstream = snapshot == null ? null : snapshot.upstream(upstreamName);
        return upstream != null && upstream.panicking();
    }

    public RampartConfig config() {
        return current.get().config();
    }

    ProxySnapshot current() {
        return current.get();
    }

    public BreakerRegistry breakers() {
        return carried.breakers();
    }

    /** The active health checks and their verdicts. */
    public HealthChecks healthChecks() {
        return carried.health();
    }

    /** The requests in flight to {@code upstream}: the slots of its bulkhead ({@code max-concurrent-requests}) taken. */
    public int requestsInFlight(String upstream) {
        return carried.bulkheads().inFlight(upstream);
    }

    /** Request body bytes the replay buffers of all requests in flight hold (see {@code server.max-replay-memory}). */
    public long replayMemoryHeld() {
        return carried.replayMemory().held();
    }

    public OriginPools pools() {
        return carried.pools();
    }

    ProxyObserver observer() {
        return observer;
    }

    public Transport transport() {
        return transport;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    /** From now on responses carry {@code Connection: close}; requests are still served. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** From now on new requests are answered with SHUTTING_DOWN. */
    public void refuseNewRequests() {
        draining = true;
        refusing = true;
        carried.pools().openNoMoreForWaiters();
    }

    boolean refusing() {
        return refusing;
    }

    /** Requests received and not yet answered in full, across all connections. */
    public int inFlight() {
        return inFlight.get();
    }

    void requestStarted() {
        inFlight.incrementAndGet();
    }

    void requestEnded() {
        if (inFlight.decrementAndGet() == 0 && draining) {
            synchronized (quiescence) {
                quiescence.notifyAll(); // only while draining: the hot path never takes this lock otherwise
            }
        }
    }

    /**
     * Waits until no request is in flight or {@code timeout} passed. Called from the shutdown thread,
     * never from an event loop. Returns whether the proxy went quiet in time.
     */
    public boolean awaitQuiescence(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (quiescence) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(quiescence, Math.min(left, 100_000_000L));
            }
        }
        return true;
    }

    /** The end: stops health checks and closes every upstream connection, idle or borrowed (call after the drain). */
    public void close() {
        carried.health().close();
        carried.keySets().close();
        carried.pools().closeAll(); // closes the resolvers too
        resolverSockets.awaitClosed(RESOLVER_CLOSE_WAIT);
    }

    /** Closes of loopback datagram sockets take microseconds; this only bounds a stuck one. */
    private static final Duration RESOLVER_CLOSE_WAIT = Duration.ofSeconds(1);

    /** How long a reload waits for the first fetch of a key set it names for the first time: one fetch's limit. */
    private static final Duration NEW_KEY_SET_WAIT = Duration.ofSeconds(11);

    private ProxySnapshot build(RampartConfig config) {
        return ProxySnapshot.build(config, carried, observer, ticker, clock, ThreadLocalRandom.current());
    }
}
