package dev.rampart.core.config;

import java.time.Duration;
import java.util.Optional;

/**
 * One route ({@code rampart.routes[i]}). Exactly one of {@code upstream} and {@code respond} is present.
 *
 * @param timeout         deadline for the whole exchange, retries included
 * @param requestHeaders  changes to the headers sent upstream
 * @param responseHeaders changes to the headers of relayed responses and of {@code respond} answers
 */
public record RouteConfig(
        String name,
        MatchConfig match,
        Optional<String> upstream,
        Optional<PathRewrite> rewrite,
        boolean preserveHost,
        Duration timeout,
        RetryConfig retry,
        ErrorsConfig errors,
        Optional<RespondConfig> respond,
        HeaderRules requestHeaders,
        HeaderRules responseHeaders) {
}
