package dev.rampart.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One route ({@code rampart.routes[i]}). Exactly one of {@code upstream} and {@code respond} is present.
 *
 * @param timeout         deadline for the whole exchange, retries included
 * @param responseIdleTimeout longest pause between two reads of a relayed response body from the upstream;
 *                        zero: none (the route's {@code timeout} and {@code server.idle-timeout} still bound it)
 * @param maxRequestBody  the route's own {@code max-request-body}; empty: the server's
 * @param requestHeaders  changes to the headers sent upstream
 * @param responseHeaders changes to the headers of relayed responses and of {@code respond} answers
 * @param rateLimit       how many requests the route takes per second; empty: no limit
 * @param allowFrom       the client addresses the route serves; empty: every client
 * @param denyFrom        the client addresses the route refuses, whatever {@code allowFrom} says; empty: none
 * @param compression     which relayed responses are gzip-compressed; empty: none
 * @param cors            what browsers from other origins may do; empty: the route leaves CORS to the upstream
 * @param jwt             the bearer tokens requests must carry; empty: the route checks none
 * @param canary          the share of requests that goes to another upstream; empty: all go to {@code upstream}
 */
public record RouteConfig(
        String name,
        MatchConfig match,
        Optional<String> upstream,
        Optional<PathRewrite> rewrite,
        boolean preserveHost,
        Duration timeout,
        Duration responseIdleTimeout,
        RetryConfig retry,
        ErrorsConfig errors,
        Optional<RespondConfig> respond,
        OptionalLong maxRequestBody,
        HeaderRules requestHeaders,
        HeaderRules responseHeaders,
        Optional<RateLimitConfig> rateLimit,
        List<AddressRange> allowFrom,
        List<AddressRange> denyFrom,
        Optional<CompressionConfig> compression,
        Optional<CorsConfig> cors,
        Optional<JwtConfig> jwt,
        Optional<CanaryConfig> canary) {

    public RouteConfig {
        allowFrom = List.copyOf(allowFrom);
        denyFrom = List.copyOf(denyFrom);
    }


    /** The largest request body the route takes: its own limit, or else the server's. */
    public long maxRequestBody(ServerConfig server) {
        return maxRequestBody.orElse(server.maxRequestBody());
    }
}
