package dev.rampart.core.upstream.pool;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolver;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Opens a connection to an endpoint given by name: every address the name resolves to is a way in, tried
 * in turn until one connects (as nginx and curl do), and each new connection starts at the next address, so
 * that a name with several addresses spreads its connections over them. {@code localhost} that resolves to
 * 127.0.0.1 and ::1 reaches an application listening on either. The resolution counts against
 * {@code connect-timeout} like the TCP connect: a DNS server that does not answer is a connect timeout, not
 * a wait as long as the resolver's own query timeout. One per {@link EndpointPool}, on its event loop.
 */
final class EndpointConnector {

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final PoolSettings settings;
    private final AddressResolver<InetSocketAddress> resolver;
    /** What is resolved for each connection: a name as it is, an IPv6 literal already parsed. */
    private final InetSocketAddress target;
    private int nextFirst;

    EndpointConnector(EventLoop loop, Bootstrap bootstrap, PoolSettings settings) {
        this(loop, bootstrap, settings, 0);
    }

    /** A connector whose first connection starts at the {@code firstAddress}-th address of the name (modulo their number). */
    @SuppressWarnings("unchecked") // the pools' bootstrap is always given an InetSocketAddress resolver group
    EndpointConnector(EventLoop loop, Bootstrap bootstrap, PoolSettings settings, int firstAddress) {
        this.nextFirst = firstAddress;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.resolver = (AddressResolver<InetSocketAddress>) bootstrap.config().resolver().getResolver(loop);
        InetAddress literal = settings.address().ipv6Address(); // connected to as it is, never asked of DNS
        this.target = literal != null ? new InetSocketAddress(literal, settings.address().port())
                : InetSocketAddress.createUnresolved(settings.address().host(), settings.address().port());
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
            ScheduledFuture<?> bound = loop.schedule(() -> result.tryFailure(new ConnectTimeoutException(
                    "resolving " + host + " took longer than connect-timeout (" + millis + " ms)")),
                    millis, TimeUnit.MILLISECONDS);
            resolved.addListener(f -> bound.cancel(false));
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
            int first = Math.floorMod(nextFirst++, addresses.size());
            tryAddress(addresses, first, 0, initializer, result, null);
        });
        return result;
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
        ChannelFuture connecting = bootstrap.clone().handler(initializer.get()).connect(address);
        connecting.addListener(f -> {
            if (f.isSuccess()) {
                if (!result.trySuccess(connecting.channel())) {
                    connecting.channel().close(); // nobody waits for it any more
                }
            } else if (!result.isDone()) {
                tryAddress(addresses, first, tried + 1, initializer, result, f.cause());
            }
        });
    }
}
