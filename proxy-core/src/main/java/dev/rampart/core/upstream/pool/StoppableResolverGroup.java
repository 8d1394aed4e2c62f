package dev.rampart.core.upstream.pool;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;

import java.net.InetSocketAddress;

/**
 * The DNS resolvers of the upstream connections, one per event loop, that makes no new one once closed. Netty's
 * group forgets its resolvers on close and makes a fresh one, with a fresh datagram socket, for the next
 * {@code getResolver}, which every {@code Bootstrap.connect} asks for: a connect that began after the close (a health
 * probe trying its endpoint's next address, say) left a socket no resolver would close, whose pending receive's
 * buffer on io_uring was never released once the event loops ended (a leak report in the tests now and then).
 * Closed, it refuses: such a connect fails, as one on a stopping proxy may.
 */
public final class StoppableResolverGroup extends DnsAddressResolverGroup {

    private volatile boolean closed;

    public StoppableResolverGroup(DnsNameResolverBuilder builder) {
        super(builder);
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventLoop loop,
                                                             ChannelFactory<? extends DatagramChannel> sockets,
                                                             DnsServerAddressStreamProvider servers) throws Exception {
        if (closed) {
            throw new IllegalStateException("the upstream resolvers are closed: the proxy is stopping");
        }
        return super.newResolver(loop, sockets, servers);
    }

    @Override
    public void close() {
        closed = true; // before the resolvers are forgotten: a getResolver in between makes none
        super.close();
    }
}
