package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Binds a route's {@code retry} block, with the contract's defaults for every key. */
final class RetryBinder {

    static final Set<RetryOn> DEFAULT_ON =
            EnumSet.of(RetryOn.CONNECT_FAILURE, RetryOn.RESET, RetryOn.TIMEOUT, RetryOn.GATEWAY_ERROR);
    static final Set<String> DEFAULT_IDEMPOTENT_METHODS = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    private RetryBinder() {
    }

    static RetryConfig bind(ConfigSection s) {
        int attempts = s.integer("attempts", 3, 1, Integer.MAX_VALUE);
        Duration perTryTimeout = s.duration("per-try-timeout", Duration.ofSeconds(5));
        Set<RetryOn> on = s.list("on").map(values -> retryOn(s, values)).orElse(DEFAULT_ON);
        Set<Integer> statusCodes = s.list("status-codes").map(values -> statusCodes(s, values)).orElse(Set.of());
        Set<String> idempotentMethods = MatchBinder.methods(s, "idempotent-methods", DEFAULT_IDEMPOTENT_METHODS);
        String idempotencyKeyHeader = RampartBinder.headerName(s, "idempotency-key-header", "Idempotency-Key", true);
        BackoffConfig backoff = backoff(s.section("backoff"));
        RetryAfterConfig retryAfter = retryAfter(s.section("retry-after"));
        BudgetConfig budget = budget(s.section("budget"));
        long replayBuffer = s.size("replay-buffer", 1024 * 1024, 0, Integer.MAX_VALUE);
        boolean preferOtherEndpoint = s.bool("prefer-other-endpoint", true);
        s.finish();
        return new RetryConfig(attempts, perTryTimeout, on, statusCodes, idempotentMethods, idempotencyKeyHeader,
                backoff, retryAfter, budget, replayBuffer, preferOtherEndpoint);
    }

    private static Set<RetryOn> retryOn(ConfigSection s, List<ConfigValue> values) {
        Set<RetryOn> on = EnumSet.noneOf(RetryOn.class);
        for (int i = 0; i < values.size(); i++) {
            RetryOn r = ValueReader.choice(values.get(i), s.path("on") + "[" + i + "]", RetryOn.values(),
                    RetryOn::configName, s.problems());
            if (r != null) {
                on.add(r);
            }
        }
        return on;
    }

    private static Set<Integer> statusCodes(ConfigSection s, List<ConfigValue> values) {
        Set<Integer> codes = new LinkedHashSet<>();
        for (int i = 0; i < values.size(); i++) {
            // Only an error status is a failure to retry: a 2xx or 3xx is an answer, and a 1xx is not final.
            Long code = ValueReader.whole(values.get(i), s.path("status-codes") + "[" + i + "]", 400, 599,
                    "an error status code 400-599", s.problems());
            if (code != null) {
                codes.add(code.intValue());
            }
        }
        return codes;
    }

    private static BackoffConfig backoff(ConfigSection s) {
        Duration initial = s.durationOrZero("initial", Duration.ofMillis(100));
        Duration max = s.durationOrZero("max", Duration.ofSeconds(2));
        double multiplier = s.decimal("multiplier", 2.0, 1, Double.MAX_VALUE, "a number >= 1");
        BackoffConfig.Jitter jitter = s.choice("jitter", BackoffConfig.Jitter.FULL, BackoffConfig.Jitter.values(),
                BackoffConfig.Jitter::configName);
        if (max.compareTo(initial) < 0) {
            String key = s.has("max") ? "max" : "initial";
            Optional<ConfigValue> value = Optional.ofNullable(s.value(key));
            String expected = key.equals("max")
                    ? "a duration >= initial (" + ConfigUnits.duration(initial) + ")"
                    : "a duration <= max (" + ConfigUnits.duration(max) + ")";
            value.ifPresent(v -> ValueReader.mismatch(s.path(key), expected, v, s.problems()));
        }
        s.finish();
        return new BackoffConfig(initial, max, multiplier, jitter);
    }

    private static RetryAfterConfig retryAfter(ConfigSection s) {
        boolean honor = s.bool("honor", true);
        Duration max = s.durationOrZero("max", Duration.ofSeconds(5));
        s.finish();
        return new RetryAfterConfig(honor, max);
    }

    private static BudgetConfig budget(ConfigSection s) {
        double ratio = s.decimal("ratio", 0.2, 0, Double.MAX_VALUE, "a number >= 0");
        int minPerSecond = s.integer("min-per-second", 10, 0, Integer.MAX_VALUE);
        s.finish();
        return new BudgetConfig(ratio, minPerSecond);
    }
}
