package dev.rampart.core.config;

/**
 * A route's {@code rate-limit}: at most {@code requestsPerSecond} on average, with up to {@code burst} at once
 * after a quiet spell (a token bucket of {@code burst} tokens refilled at {@code requestsPerSecond}), counted
 * for each client address or for the whole route.
 */
public record RateLimitConfig(double requestsPerSecond, int burst, Per per) {

    /** What one bucket is kept for. */
    public enum Per {
        /** Each client's own bucket, keyed by the connection's peer address (nginx's {@code $binary_remote_addr}). */
        CLIENT_IP("client-ip"),
        /** One bucket for the route, shared by every client (Envoy's local rate limit). */
        ROUTE("route");

        private final String configName;

        Per(String configName) {
            this.configName = configName;
        }

        /** The spelling used in HOCON. */
        public String configName() {
            return configName;
        }
    }
}
