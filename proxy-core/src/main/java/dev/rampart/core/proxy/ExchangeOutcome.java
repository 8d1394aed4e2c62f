package dev.rampart.core.proxy;

import dev.rampart.core.errors.Reason;
import dev.rampart.core.observe.ExchangeRecord;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * What is known so far about how an exchange ends: filled in as the exchange moves, turned into an
 * {@link ExchangeRecord} once at the end. Used on one event loop only.
 */
final class ExchangeOutcome {

    static final String CLIENT_CLOSED = "CLIENT_CLOSED";
    static final int CLIENT_CLOSED_STATUS = 499;
    /** The request line Netty's decoder puts in place of one it could not read. */
    private static final String DECODER_STAND_IN_URI = "/bad-request";

    private final long epochMillis;
    private final long startNanos;
    private final String requestId;
    private final String client;
    private final String method;
    private final String path;
    private final String host;
    private final String userAgent;
    /** The {@code traceparent} made for the upstream request, or null until one is: the access log's trace id. */
    private String traceparent;
    private int status;
    private String reason;
    private String route;
    private String upstream;
    private String endpoint;
    private int attempts;
    private long bytesIn;
    private boolean deliverQueued;
    private long bytesOut;
    private boolean aborted;

    ExchangeOutcome(long epochMillis, long startNanos, String requestId, String client, String method, String path) {
        this(epochMillis, startNanos, requestId, client, method, path, null, null);
    }

    private ExchangeOutcome(long epochMillis, long startNanos, String requestId, String client, String method,
                            String path, String host, String userAgent) {
        this.epochMillis = epochMillis;
        this.startNanos = startNanos;
        this.requestId = requestId;
        this.client = client;
        this.method = method;
        this.path = path;
        this.host = host;
        this.userAgent = userAgent;
    }

    /**
     * The record of {@code head}: its method and the path it was routed by ({@code target}, the normal
     * origin-form), or as sent when it has none. The decoder's stand-in for a request line it could not
     * read ({@code GET /bad-request}) is no request the client made: "-" for both.
     */
    static ExchangeOutcome of(long epochMillis, long startNanos, String requestId, String client, HttpRequest head,
                              String target) {
        boolean standIn = head.decoderResult().isFailure() && head.uri().equals(DECODER_STAND_IN_URI);
        // A head the decoder gave up on holds the fields before the fault only: none of them is logged.
        boolean decoded = head.decoderResult().isSuccess();
        return new ExchangeOutcome(epochMillis, startNanos, requestId, client, standIn ? "-" : head.method().name(),
                standIn ? "-" : pathOf(target != null ? target : head.uri()),
                decoded ? head.headers().get(HttpHeaderNames.HOST) : null,
                decoded ? head.headers().get(HttpHeaderNames.USER_AGENT) : null);
    }

    /**
     * The path of a request target without its query string or fragment, and without the
     * {@code user:password@} of an absolute-form target refused for having one: all may hold secrets.
     */
    static String pathOf(String uri) {
        int q = endOfPath(uri);
        String path = q < 0 ? uri : uri.substring(0, q);
        return path.startsWith("/") ? path : withoutUserinfo(path);
    }

    /** Where the query or a fragment (a refused target's, which may carry a token too) starts, or -1. */
    private static int endOfPath(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /**
     * The userinfo is what ends in an {@code @} within the authority, which the first {@code /} ends (RFC 3986
     * §3.2): a later {@code @} belongs to the path. A password pasted raw with a {@code /} in it is no valid
     * userinfo and is logged as the path it then is.
     */
    private static String withoutUserinfo(String target) {
        int scheme = target.indexOf("://");
        if (scheme < 0) {
            return target;
        }
        int authority = scheme + 3;
        int authorityEnd = target.indexOf('/', authority);
        int at = target.lastIndexOf('@', (authorityEnd < 0 ? target.length() : authorityEnd) - 1);
        return at < authority ? target : target.substring(0, authority) + target.substring(at + 1);
    }

    /** The {@code traceparent} the upstream request carries (every attempt the same). */
    void traceparent(String traceparent) {
        this.traceparent = traceparent;
    }

    String routeName() {
        return route;
    }

    /** The route's upstream, or null (no route yet, or a direct-response route). */
    String upstreamName() {
        return upstream;
    }

    ExchangeOutcome withError(Reason reason) {
        error(reason.status(), reason.name());
        return this;
    }

    long startNanos() {
        return startNanos;
    }

    String requestId() {
        return requestId;
    }

    int attempts() {
        return attempts;
    }

    int status() {
        return status;
    }

    boolean wasAborted() {
        return aborted;
    }

    /** Cut because the upstream broke off: what was relayed is delivered before the connection closes. */
    void abortedAfterQueued() {
        aborted = true;
        deliverQueued = true;
    }

    boolean deliversQueued() {
        return deliverQueued;
    }

    void route(String routeName, String upstreamName) {
        this.route = routeName;
        this.upstream = upstreamName;
    }

    void attemptStarted(String endpointLabel) {
        attempts++;
        endpoint = endpointLabel;
    }

    /** The endpoint the access log names: the one whose outcome the client hears of, when not the last tried. */
    void endpoint(String endpointLabel) {
        endpoint = endpointLabel;
    }

    void status(int code) {
        status = code;
    }

    void error(int code, String reasonName) {
        status = code;
        reason = reasonName;
    }

    /**
     * The client went away: 499 when nothing of the response had gone out; after its head, the status sent
     * stays (as nginx and Envoy log an abandoned download), with the reason it ended early.
     */
    void clientClosed(boolean responseStarted) {
        if (!responseStarted) {
            status = CLIENT_CLOSED_STATUS;
        }
        reason = CLIENT_CLOSED;
    }

    /** Whether the client went away before the exchange ended. */
    boolean clientLeft() {
        return CLIENT_CLOSED.equals(reason);
    }

    /** A response already started was cut off: the status sent stays, with the reason it ended early. */
    void endedEarly(Reason why) {
        reason = why.name();
    }

    /** The response was cut off after it started; the status already sent stays in the record. */
    void aborted() {
        aborted = true;
    }

    void addBytesIn(long n) {
        bytesIn += n;
    }

    void addBytesOut(long n) {
        bytesOut += n;
    }

    ExchangeRecord toRecord(long endNanos, long upstreamNanos) {
        return new ExchangeRecord(epochMillis, requestId, client, method, path, status, reason, route, upstream,
                endpoint, attempts, bytesIn, bytesOut, endNanos - startNanos, upstreamNanos, host, userAgent,
                traceparent);
    }
}
