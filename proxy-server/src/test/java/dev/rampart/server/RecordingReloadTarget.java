package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reload target for the tests of the reloader and its watch: it counts each reload as the metric does, and
 * keeps the first route's name of each config applied (each test's configs name their first route apart).
 */
final class RecordingReloadTarget implements ConfigReloader.Target {
    final List<Boolean> counted = new CopyOnWriteArrayList<>();
    final AtomicInteger applied = new AtomicInteger();
    final List<String> routes = new CopyOnWriteArrayList<>();

    @Override
    public RampartConfig apply(RampartConfig config) {
        applied.incrementAndGet();
        routes.add(config.routes().get(0).name());
        return config;
    }

    @Override
    public void reloaded(boolean success) {
        counted.add(success);
    }
}
