package dev.rampart.core.observe;

/**
 * What one finished exchange was, for the access log and the request metrics.
 *
 * @param reason      catalog reason, {@code CLIENT_CLOSED} for a client that went away, or null on success
 * @param route       route name, or null when none matched
 * @param upstream    upstream name, or null
 * @param endpoint    the last endpoint tried, or null
 * @param upstreamNanos time from the first attempt's start to the response head that was used (not one that was
 *                      retried), or -1
 * @param host          the request's {@code Host} as the client sent it, or null (none, or no head decoded)
 * @param userAgent     the request's {@code User-Agent}, or null
 * @param traceparent   the W3C {@code traceparent} made for the upstream request (the client's, or one started for
 *                      it), whether or not an attempt reached an upstream; null for a request never to be forwarded
 */
public record ExchangeRecord(
        long epochMillis,
        String requestId,
        String client,
        String method,
        String path,
        int status,
        String reason,
        String route,
        String upstream,
        String endpoint,
        int attempts,
        long bytesIn,
        long bytesOut,
        long durationNanos,
        long upstreamNanos,
        String host,
        String userAgent,
        String traceparent) {

    /** A record of an exchange whose {@code Host} and {@code User-Agent} are unknown. */
    public ExchangeRecord(long epochMillis, String requestId, String client, String method, String path, int status,
                          String reason, String route, String upstream, String endpoint, int attempts, long bytesIn,
                          long bytesOut, long durationNanos, long upstreamNanos) {
        this(epochMillis, requestId, client, method, path, status, reason, route, upstream, endpoint, attempts, bytesIn,
                bytesOut, durationNanos, upstreamNanos, null, null, null);
    }

    /**
     * The trace id of {@link #traceparent} (its second field, 32 hex digits), or null: what joins this line to the
     * trace the upstream's spans are in, the one the proxy started included.
     */
    public String traceId() {
        return traceparent == null ? null : traceparent.substring(3, 35); // every version puts it there
    }
}
