package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.timing.PollFirstTimeout;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseNotifier;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens a connection to an endpoint given by name: every address the name resolves to is a way in, tried
 * in turn until one connects (as nginx and curl do), and each new connection starts at the next address, so
 * that a name with several addresses spreads its connections over them. {@code localhost} that resolves to
 * 127.0.0.1 and ::1 reaches an application listening on either. The resolution counts against
 * {@code connect-timeout} like the TCP connect: a DNS server that does not answer is a connect timeout, not
 * a wait as long as the resolver's own query timeout. One per {@link EndpointPool}, on its event loop.
 *
 * <p>An address that failed to connect is tried last for {@link #FAILED_ADDRESS_HELD} (nginx's
 * {@code fail_timeout}), then by one connection first, as a probe, before it takes its turns again; the
 * turns go round the others meanwhile: one address of three that never
 * answers would otherwise cost every third new connection a whole {@code connect-timeout} and give its
 * successor twice its share, for as long as the name resolves to it. Nothing else sees such a failure: the
 * next address connects, so the endpoint's breaker never counts it.
 *
 * <p>Each address's connect is bounded by a {@link PollFirstTimeout}, not by Netty's {@code CONNECT_TIMEOUT_MILLIS}
 * (off in the pools' bootstrap): after a stop of the whole process, a connect that completed during it goes before
 * the timeout that fell due meanwhile, rather than failing a healthy endpoint as UPSTREAM_CONNECT_TIMEOUT. A real
 * timeout fails with Netty's exception and message, so reasons and logs read as before.
 */
final class EndpointConnector {

    /** How long an address that failed to connect is tried only after the others. */
    static final Duration FAILED_ADDRESS_HELD = Duration.ofSeconds(10);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final PoolSettings settings;
    private final AddressResolver<InetSocketAddress> resolver;
    /** What is resolved for each connection: a name as it is, an IPv6 literal already parsed. */
    private final InetSocketAddress target;
    /** Where the failed addresses' time is read; null: nothing is remembered (a single health probe). */
    private final Ticker ticker;
    /**
     * How long the TCP connect of a channel took, from its socket's connect to established: a round trip to
     * the endpoint, without the name's resolution or a TLS handshake (0 without a ticker).
     */
    static final io.netty.util.AttributeKey<Long> TCP_CONNECT_NANOS =
            io.netty.util.AttributeKey.valueOf(EndpointConnector.class, "tcpConnectNanos");
    /** Addresses that failed to connect, and until when (ticker nanos) they are tried last. */
    private final Map<InetSocketAddress, Long> failedUntil = new HashMap<>();
    private int nextFirst;
    /** How long one address's TCP connect may take, or all of them together when {@link #sharesConnectTimeout}. */
    private final long connectTimeoutMillis;
    /** Whether the addresses of one connection share the connect timeout (a health probe's). */
    private final boolean sharesConnectTimeout;
    /** The name's last answers; null for an address given as such, and for a probe whose connection is not kept. */
    private final LastAnswer lastAnswer;

    EndpointConnector(EventLoop loop, Bootstrap bootstrap, PoolSettings settings, Ticker ticker) {
        this(loop, bootstrap, settings, settings.connectTimeout().toMillis(), 0, ticker, false,
                settings.address().isName() && ticker != null ? new LastAnswer(ticker) : null);
    }

    /**
     * The connector of one health probe, on a clone of {@code bootstrap} for {@code loop}, starting at the
     * {@code firstAddress}-th address of the name (modulo their number), remembering no failed address. Its connect may
     * take the probe's timeout, or {@code connect-timeout} if shorter, shared by the addresses: each gets its part,
     * so that one that never answers takes part of every probe that starts at it, not the whole. Otherwise every
     * other probe of a name with such an address would fail while traffic, which skips it, gets through, and an
     * endpoint taken out of rotation by an outage could never pass {@code healthy-threshold} probes in a row again.
     * {@code answers}: the name's last answers, kept with the check's connection across its probes; null when there
     * is none.
     */
    static EndpointConnector forProbe(EventLoop loop, Bootstrap bootstrap, PoolSettings settings,
                                      Duration probeTimeout, int firstAddress, LastAnswer answers) {
        long connectTimeoutMillis = Math.min(probeTimeout.toMillis(), settings.connectTimeout().toMillis());
        return new EndpointConnector(loop, bootstrap.clone(loop), settings, connectTimeoutMillis, firstAddress, null,
                true, settings.address().isName() ? answers : null);
    }

    @SuppressWarnings("unchecked") // the pools' bootstrap is always given an InetSocketAddress resolver group
    private EndpointConnector(EventLoop loop, Bootstrap bootstrap, PoolSettings settings, long connectTimeoutMillis,
                              int firstAddress, Ticker ticker, boolean sharesConnectTimeout, LastAnswer lastAnswer) {
        this.connectTimeoutMillis = Math.max(1, connectTimeoutMillis);
        this.sharesConnectTimeout = sharesConnectTimeout;
        this.nextFirst = firstAddress;
        this.ticker = ticker;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.resolver = (AddressResolver<InetSocketAddress>) bootstrap.config().resolver().getResolver(loop);
        InetAddress literal = settings.address().ipv6Address(); // connected to as it is, never asked of DNS
        this.target = literal != null ? new InetSocketAddress(literal, settings.address().port())
                : InetSocketAddress.createUnresolved(settings.address().host(), settings.address().port());
        this.lastAnswer = lastAnswer;
    }

    /**
     * Resolves the name again when {@link LastAnswer#REFRESH} has passed since it last was, without waiting for
     * the answer: the requests of the moment go on with the pool as it is.
     */
    void askAgainIfDue() {
        if (lastAnswer == null || !lastAnswer.askNow()) {
            return;
        }
        resolver.resolveAll(target).addListener(f -> {
            lastAnswer.asked();
            if (f.isSuccess()) {
                @SuppressWarnings("unchecked") // what resolveAll promised
                List<InetSocketAddress> answer = (List<InetSocketAddress>) f.getNow();
                lastAnswer.took(answer);
            }
        });
    }

    /** Whether {@code connection} goes to an address the endpoint's name still resolves to, as lately answered. */
    boolean stillAnswered(Channel connection) {
        return lastAnswer == null || lastAnswer.has(connection);
    }

    /**
     * A connected channel, its pipeline set up by a fresh handler from {@code initializer} (one per address
     * tried), or the failure of the last address tried; the resolution's failure when there was none.
     */
    Future<Channel> connect(Supplier<ChannelHandler> initializer) {
        Promise<Channel> result = loop.newPromise();
        String host = settings.address().host();
        Future<List<InetSocketAddress>> resolved = resolver.resolveAll(target);
        if (!resolved.isDone()) {
            long millis = settings.connectTimeout().toMillis();
            // Behind the I/O ready when it falls due, as each address's connect is: the DNS answer that came during
            // a stop of the whole process is used, not timed out. Cancelled on the loop, where the resolver
            // (one per loop) completes its futures.
            PollFirstTimeout bound = PollFirstTimeout.start(loop, TimeUnit.MILLISECONDS.toNanos(millis),
                    () -> result.tryFailure(new ConnectTimeoutException(
                            "resolving " + host + " took longer than connect-timeout (" + millis + " ms)")));
            resolved.addListener(f -> bound.cancel());
        }
        resolved.addListener(f -> {
            if (result.isDone()) {
                return; // timed out while resolving, or the request went away
            }
            if (!f.isSuccess()) {
                result.tryFailure(f.cause());
                return;
            }
            List<InetSocketAddress> addresses = resolved.getNow();
            if (addresses.isEmpty()) {
                result.tryFailure(new UnknownHostException(host + ": no address"));
                return;
            }
            tryAddress(inTurn(addresses), 0, 0, initializer, result, null);
        });
        return result;
    }

    /**
     * The addresses in the order this connection tries them: from the next one in turn, those that have not
     * failed lately, then those that have, so a failed address is a last resort rather than skipped.
     */
    List<InetSocketAddress> inTurn(List<InetSocketAddress> addresses) {
        List<InetSocketAddress> usable = addresses;
        List<InetSocketAddress> failed = List.of();
        InetSocketAddress probe = null;
        if (!failedUntil.isEmpty()) {
            long now = ticker.read();
            probe = probeOneExpired(addresses, now);
            usable = new ArrayList<>(addresses.size());
            failed = new ArrayList<>();
            for (InetSocketAddress address : addresses) {
                if (address != probe) {
                    (failedUntil.containsKey(address) ? failed : usable).add(address);
                }
            }
            if (usable.isEmpty() && probe == null) {
                usable = failed; // every address failed lately: take them in turn as ever
                failed = List.of();
            }
        }
        List<InetSocketAddress> order = new ArrayList<>(addresses.size());
        if (probe != null) {
            order.add(probe);
        }
        if (!usable.isEmpty()) {
            int first = Math.floorMod(nextFirst++, usable.size());
            for (int i = 0; i < usable.size(); i++) {
                order.add(usable.get((first + i) % usable.size()));
            }
        }
        order.addAll(failed);
        return order;
    }

    /**
     * The first address whose hold is over, if any: this connection tries it first, and its hold starts
     * again meanwhile, so that the connections opened while the probe is out (under load, many) do not try
     * it too. The probe's outcome ({@link #remember}) ends the hold or renews it; a hold as short as the
     * probe's own connect-timeout ran out just before the probe's timeout did, and let a second probe out.
     * Holds of addresses the name no longer has are dropped once over.
     */
    private InetSocketAddress probeOneExpired(List<InetSocketAddress> addresses, long now) {
        InetSocketAddress probe = null;
        for (InetSocketAddress address : addresses) {
            Long until = failedUntil.get(address);
            if (until != null && until - now <= 0) {
                probe = address;
                failedUntil.put(address, now + FAILED_ADDRESS_HELD.toNanos());
                break;
            }
        }
        failedUntil.entrySet().removeIf(e -> e.getValue() - now <= 0 && !addresses.contains(e.getKey()));
        return probe;
    }

    void remember(InetSocketAddress address, boolean connected) {
        if (ticker == null) {
            return;
        }
        if (connected) {
            failedUntil.remove(address);
        } else {
            failedUntil.put(address, ticker.read() + FAILED_ADDRESS_HELD.toNanos());
        }
    }

    private void tryAddress(List<InetSocketAddress> addresses, int first, int tried, Supplier<ChannelHandler> initializer,
                            Promise<Channel> result, Throwable lastFailure) {
        if (tried == addresses.size()) {
            result.tryFailure(lastFailure);
            return;
        }
        // The socket is opened once the loop has handled its current batch of ready events: epoll reports
        // events by descriptor number, and a descriptor closed earlier in the batch (a connection the same
        // event cut) and taken by the new socket would get its predecessor's pending events: a read on a
        // socket still connecting, whose error closed it and failed the request as UPSTREAM_UNREACHABLE.
        loop.execute(() -> connectTo(addresses, first, tried, initializer, result));
    }

    private void connectTo(List<InetSocketAddress> addresses, int first, int tried, Supplier<ChannelHandler> initializer,
                           Promise<Channel> result) {
        InetSocketAddress address = addresses.get((first + tried) % addresses.size());
        long started = ticker != null ? ticker.read() : 0;
        long millis = sharesConnectTimeout ? Math.max(1, connectTimeoutMillis / addresses.size()) : connectTimeoutMillis;
        ChannelFuture connecting = bootstrap.clone().handler(initializer.get()).connect(address);
        Promise<Void> connected = loop.newPromise();
        PromiseNotifier.cascade(false, connecting, connected); // unlogged: a timeout fails it first, the close then
        PollFirstTimeout bound = PollFirstTimeout.start(loop, TimeUnit.MILLISECONDS.toNanos(millis), () -> {
            if (connected.tryFailure(new ConnectTimeoutException(
                    "connection timed out after " + millis + " ms: " + address))) {
                connecting.channel().close();
            }
        });
        connected.addListener(f -> {
            bound.cancel();
            if (!f.isCancelled()) {
                remember(address, f.isSuccess());
            }
            if (f.isSuccess()) {
                connecting.channel().attr(TCP_CONNECT_NANOS).set(ticker != null ? ticker.read() - started : 0L);
                if (!result.trySuccess(connecting.channel())) {
                    connecting.channel().close(); // nobody waits for it any more
                }
            } else if (!result.isDone()) {
                tryAddress(addresses, first, tried + 1, initializer, result, f.cause());
            }
        });
    }
}
