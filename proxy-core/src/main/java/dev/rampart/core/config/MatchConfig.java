package dev.rampart.core.config;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a request must look like for a route to take it. Every present criterion must hold.
 *
 * @param host       exact host, or {@code *.suffix}; absent matches any host
 * @param pathPrefix absent when {@code pathRegex} is used
 * @param methods    upper-case method names; empty matches any method
 * @param headers    header name (lower case) to exact value
 */
public record MatchConfig(
        Optional<String> host,
        Optional<String> pathPrefix,
        Optional<Pattern> pathRegex,
        Set<String> methods,
        Map<String, String> headers) {

    public MatchConfig {
        methods = Set.copyOf(methods);
        headers = Map.copyOf(headers);
    }
}
