package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole scrape, the JVM and process meters included, holds to the naming rules {@code promtool check metrics}
 * enforces (those of Prometheus's client_golang {@code promlint}): what a scrape pipeline that lints its
 * targets would otherwise reject or flag.
 */
class ScrapeNamingLintTest {

    /** promlint's abbreviations: a name token equal to one of them is a unit that should be spelled out in base units. */
    private static final Set<String> UNIT_ABBREVIATIONS = Set.of(
            "s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d");
    /** Units that are not Prometheus base units (seconds, bytes): promlint's "use base unit" rule. */
    private static final Set<String> NON_BASE_UNITS = Set.of(
            "nanoseconds", "microseconds", "milliseconds", "minutes", "hours", "days",
            "kilobytes", "megabytes", "gigabytes", "terabytes", "petabytes");
    private static final Pattern SNAKE_CASE = Pattern.compile("[a-z_][a-z0-9_]*");
    /**
     * Micrometer's standard name for the number of processors, a gauge promlint reads as part of a summary; the JVM
     * dashboards built for Micrometer query it under this name, so it is kept.
     */
    private static final Set<String> KEPT_MICROMETER_NAMES = Set.of("system_cpu_count");

    private final MicrometerObserver observer = new MicrometerObserver();

    @AfterEach
    void close() {
        observer.close();
    }

    @Test
    void everyMetricFamilyFollowsPrometheusNamingRules() {
        recordOneOfEverything();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        for (String line : observer.scrape().lines().toList()) {
            String[] parts = line.split(" ", 4);
            if (line.startsWith("# TYPE ")) {
                types.put(parts[2], parts[3]);
            } else if (line.startsWith("# HELP ")) {
                helped.add(parts[2]);
            }
        }
        List<String> problems = new ArrayList<>();
        types.forEach((name, type) -> {
            if (!SNAKE_CASE.matcher(name).matches()) {
                problems.add(name + ": not snake_case");
            }
            if (!helped.contains(name)) {
                problems.add(name + ": no HELP");
            }
            if (type.equals("counter") && !name.endsWith("_total")) {
                problems.add(name + ": a counter without the _total suffix");
            }
            boolean reservedSuffix = name.endsWith("_count") || name.endsWith("_sum") || name.endsWith("_bucket");
            if (reservedSuffix && !type.equals("histogram") && !type.equals("summary")
                    && !KEPT_MICROMETER_NAMES.contains(name)) {
                problems.add(name + ": a " + type + " with a suffix reserved for histograms and summaries");
            }
            for (String token : name.split("_")) {
                if (UNIT_ABBREVIATIONS.contains(token)) {
                    problems.add(name + ": abbreviated unit " + token);
                }
                if (NON_BASE_UNITS.contains(token)) {
                    problems.add(name + ": unit " + token + " is not a base unit");
                }
            }
        });
        assertTrue(types.containsKey("jvm_memory_used_bytes"), "the JVM meters are part of the lint: " + types.keySet());
        assertEquals(List.of(), problems);
    }

    @Test
    void processCpuTimeIsCountedInSecondsUnderTheNamePrometheusClientsUse() {
        String scrape = observer.scrape();
        assertTrue(scrape.lines().anyMatch(l -> l.equals("# TYPE process_cpu_seconds_total counter")), scrape);
        double seconds = scrape.lines().filter(l -> l.startsWith("process_cpu_seconds_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
        assertTrue(seconds > 0 && seconds < 1e6, "CPU seconds, not nanoseconds: " + seconds);
        assertTrue(scrape.lines().noneMatch(l -> l.startsWith("process_cpu_time")), "Micrometer's nanosecond counter is gone");
    }

    private void recordOneOfEverything() {
        observer.onExchangeComplete(new ExchangeRecord(1_700_000_000_000L, "req-1", "10.0.0.1", "GET", "/", 200, null,
                "default", "app", "127.0.0.1:8081", 1, 0, 12, 1_000_000, -1));
        observer.onAttempt("app", "127.0.0.1:8081", "success");
        observer.onRetry("default", "reset");
        observer.onRetrySkipped("default", "budget");
        observer.onBreakerTransition("app", "127.0.0.1:8081", "open");
        observer.registerBreakerState("app", "127.0.0.1:8081", () -> 2);
        observer.registerEndpointHealth("app", "127.0.0.1:8081", () -> 1);
        observer.gaugeReplayMemory(() -> 0);
        new UpstreamGauges(observer.registry()).register("app", () -> 0);
    }
}
