package dev.rampart.server.observe;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;

/**
 * Netty's direct memory, which the JVM's own memory pools do not show: a proxy that leaks buffers or
 * queues too much for slow clients grows here first. {@code rampart_netty_direct_memory_bytes} is what
 * Netty counts against {@code -XX:MaxDirectMemorySize} (-1 when Netty does not track it, e.g. when it
 * relies on the JDK's cleaner), {@code rampart_netty_direct_memory_max_bytes} the limit it is counted against (so
 * an alert can compare the two); {@code rampart_netty_pooled_direct_memory_bytes} is what the default
 * pooled allocator holds in its arenas. Both are read at scrape time only.
 */
final class NettyMemoryMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("rampart.netty.direct.memory", PlatformDependent::usedDirectMemory)
                .description("Direct memory used by Netty (-1 when not tracked)")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
        Gauge.builder("rampart.netty.direct.memory.max", PlatformDependent::maxDirectMemory)
                .description("The most direct memory Netty may use; past it a request is answered 503 UPSTREAM_OVERLOADED")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
        Gauge.builder("rampart.netty.pooled.direct.memory",
                        () -> PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory())
                .description("Direct memory held by Netty's default pooled allocator")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
    }
}
