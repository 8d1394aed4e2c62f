package dev.rampart.core.routing;

import dev.rampart.core.config.BackoffConfig;
import dev.rampart.core.config.BudgetConfig;
import dev.rampart.core.config.ErrorsConfig;
import dev.rampart.core.config.HeaderRules;
import dev.rampart.core.config.MatchConfig;
import dev.rampart.core.config.PathRewrite;
import dev.rampart.core.config.RetryAfterConfig;
import dev.rampart.core.config.RetryConfig;
import dev.rampart.core.config.RetryOn;
import dev.rampart.core.config.RouteConfig;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/** Builds route configurations with the documented defaults, varying only what a test is about. */
final class TestRoutes {

    private static final RetryConfig RETRY = new RetryConfig(3, Duration.ofSeconds(5),
            Set.of(RetryOn.CONNECT_FAILURE, RetryOn.RESET, RetryOn.TIMEOUT, RetryOn.GATEWAY_ERROR), Set.of(),
            Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"), "Idempotency-Key",
            new BackoffConfig(Duration.ofMillis(100), Duration.ofSeconds(2), 2.0, BackoffConfig.Jitter.FULL),
            new RetryAfterConfig(true, Duration.ofSeconds(5)), new BudgetConfig(0.2, 10), 1 << 20, true);
    private static final ErrorsConfig ERRORS = new ErrorsConfig(Set.of(ErrorsConfig.StatusClass.SERVER_ERROR), true);

    private TestRoutes() {
    }

    static Match match() {
        return new Match(Optional.empty(), Optional.empty(), Optional.empty(), Set.of(), Map.of());
    }

    static RouteConfig route(String name, Match match) {
        return route(name, match, Optional.empty());
    }

    static RouteConfig route(String name, Match match, Optional<PathRewrite> rewrite) {
        return new RouteConfig(name, match.toConfig(), Optional.of("app"), rewrite, false,
                Duration.ofSeconds(15), Duration.ZERO, RETRY, ERRORS, Optional.empty(), OptionalLong.empty(),
                HeaderRules.NONE, HeaderRules.NONE, Optional.empty(), List.of(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** An immutable builder over {@link MatchConfig}. */
    record Match(Optional<String> host, Optional<String> prefix, Optional<Pattern> regex,
                 Set<String> methods, Map<String, String> headers) {

        Match host(String value) {
            return new Match(Optional.of(value), prefix, regex, methods, headers);
        }

        Match prefix(String value) {
            return new Match(host, Optional.of(value), regex, methods, headers);
        }

        Match regex(String value) {
            return new Match(host, prefix, Optional.of(Pattern.compile(value)), methods, headers);
        }

        Match methods(String... values) {
            return new Match(host, prefix, regex, Set.of(values), headers);
        }

        Match headers(Map<String, String> values) {
            return new Match(host, prefix, regex, methods, values);
        }

        MatchConfig toConfig() {
            return new MatchConfig(host, prefix, regex, methods, headers);
        }
    }
}
