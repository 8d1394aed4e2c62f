package dev.rampart.core.proxy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.RouteConfig;
import dev.rampart.core.health.HealthChecks;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.resilience.BreakerRegistry;
import dev.rampart.core.resilience.Bulkheads;
import dev.rampart.core.resilience.RetryBudgets;
import dev.rampart.core.upstream.EndpointLoads;
import dev.rampart.core.upstream.pool.OriginPools;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;

import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The long-lived state of a running proxy: the current config generation (swapped atomically on reload),
 * the connection pools and breakers that outlive generations, and the drain flags. One per process.
 */
public final class ProxyRuntime {

    private final AtomicReference<ProxySnapshot> current = new AtomicReference<>();
    private final BreakerRegistry breakers;
    private final Bulkheads bulkheads = new Bulkheads();
    private final EndpointLoads endpointLoads = new EndpointLoads();
    private final RetryBudgets retryBudgets;
    private final OriginPools pools;
    private final HealthChecks health;
    private final ProxyObserver observer;
    private final Ticker ticker;
    private final Clock clock;
    private final Transport transport;
    private final EventLoopGroup workers;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
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
        this.breakers = breakers;
        this.observer = observer;
        this.ticker = ticker;
        this.clock = clock;
        this.retryBudgets = new RetryBudgets(ticker);
        Class<? extends DatagramChannel> datagram = transport.name().equals("epoll")
                ? EpollDatagramChannel.class : NioDatagramChannel.class;
        DnsAddressResolverGroup resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(datagram));
        this.pools = new OriginPools(transport, workers, loops, resolver, 64 * 1024, ticker);
        this.health = new HealthChecks(workers, pools::probe);
        ProxySnapshot first = build(config);
        current.set(first);
        health.run(first.healthTargets());
    }

    /** Swaps in a new, already validated config for new requests; in-flight ones finish on theirs. */
    public void apply(RampartConfig config) {
        ProxySnapshot next = build(config);
        pools.reloadTrust();
        current.set(next);
        breakers.retainOnly(next.breakersInUse());
        bulkheads.retainOnly(config.upstreams().keySet());
        endpointLoads.retainOnly(config);
        retryBudgets.retainOnly(config.routes().stream().map(RouteConfig::name).collect(Collectors.toSet()));
        pools.retainOnly(next.poolsInUse());
        health.run(next.healthTargets());
    }

    public RampartConfig config() {
        return current.get().config();
    }

    ProxySnapshot current() {
        return current.get();
    }

    public BreakerRegistry breakers() {
        return breakers;
    }

    /** The active health checks and their verdicts. */
    public HealthChecks healthChecks() {
        return health;
    }

    public OriginPools pools() {
        return pools;
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
        pools.openNoMoreForWaiters();
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
    public boolean awaitQuiescence(java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (quiescence) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(quiescence, Math.min(left, 100_000_000L));
            }
        }
        return true;
    }

    /** The end: stops health checks and closes every upstream connection, idle or borrowed (call after the drain). */
    public void close() {
        health.close();
        pools.closeAll();
    }

    private ProxySnapshot build(RampartConfig config) {
        return ProxySnapshot.build(config, breakers, bulkheads, endpointLoads, retryBudgets, health, pools, observer, ticker, clock,
                ThreadLocalRandom.current());
    }
}
