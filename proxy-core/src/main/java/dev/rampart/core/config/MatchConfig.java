package dev.rampart.core.config;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a request must look like for a route to take it. Every present criterion must hold.
 *
 * @param host       exact host, or {@code *.suffix}; absent matches any host (a configured {@code *} is absent)
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

    /**
     * Value equality, with the regex compared by its source and flags: {@link Pattern} has identity
     * equality, which would make two loads of the same file look like different routes (breaking the
     * reload's "unchanged" check and the render/re-parse round trip).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof MatchConfig m
                && host.equals(m.host)
                && pathPrefix.equals(m.pathPrefix)
                && regexKey(pathRegex).equals(regexKey(m.pathRegex))
                && methods.equals(m.methods)
                && headers.equals(m.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, pathPrefix, regexKey(pathRegex), methods, headers);
    }

    private static Optional<String> regexKey(Optional<Pattern> regex) {
        return regex.map(p -> p.flags() + "/" + p.pattern());
    }
}
