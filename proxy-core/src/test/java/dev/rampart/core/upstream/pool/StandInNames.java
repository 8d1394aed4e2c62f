package dev.rampart.core.upstream.pool;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A name service for pool tests: every name resolves to what the test says at the time of the lookup. */
final class StandInNames {

    private StandInNames() {
    }

    /**
     * Answers every name with what {@code answer} gives at the lookup (all of it for a connection, its first for a
     * single lookup), after {@code millis} (at once for 0); never, when it gives null.
     */
    static AddressResolverGroup<InetSocketAddress> answering(Supplier<List<InetSocketAddress>> answer, long millis) {
        return new AddressResolverGroup<>() {
            @Override
            protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
                return new AbstractAddressResolver<>(executor) {
                    @Override
                    protected boolean doIsResolved(InetSocketAddress address) {
                        return !address.isUnresolved();
                    }

                    @Override
                    protected void doResolve(InetSocketAddress unresolved, Promise<InetSocketAddress> promise) {
                        List<InetSocketAddress> addresses = answer.get();
                        if (addresses != null && !addresses.isEmpty()) {
                            promise.setSuccess(addresses.get(0));
                        }
                    }

                    @Override
                    protected void doResolveAll(InetSocketAddress unresolved, Promise<List<InetSocketAddress>> promise) {
                        List<InetSocketAddress> addresses = answer.get();
                        if (addresses != null && millis > 0) {
                            executor.schedule(() -> promise.setSuccess(addresses), millis, TimeUnit.MILLISECONDS);
                        } else if (addresses != null) {
                            promise.setSuccess(addresses);
                        }
                    }
                };
            }
        };
    }
}
