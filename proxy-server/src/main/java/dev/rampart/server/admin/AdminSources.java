package dev.rampart.server.admin;

import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where the admin endpoints read their answers, each at request time, so a reload or a drain shows at
 * once. Every source is called on the admin event loop and must be quick and non-blocking (in-memory
 * reads); one that throws turns into a 500 for that request only.
 *
 * @param metrics    the Prometheus text exposition, e.g. {@code MicrometerObserver::scrape}
 * @param ready      true while serving, false while draining ({@code /readyz})
 * @param routesJson the effective routes and policies as a JSON document, secrets already redacted
 * @param breakers   every endpoint breaker, in the order to show them
 */
public record AdminSources(
        Supplier<String> metrics,
        BooleanSupplier ready,
        Supplier<String> routesJson,
        Supplier<List<BreakerView>> breakers) {

    public AdminSources {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(routesJson, "routesJson");
        Objects.requireNonNull(breakers, "breakers");
    }
}
