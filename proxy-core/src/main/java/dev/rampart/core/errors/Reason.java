package dev.rampart.core.errors;

import java.util.Locale;

/**
 * The reason catalog. Each reason is published: its name, status and retryable flag never change
 * (a compatibility test holds a snapshot), and {@code docs/errors.md} is generated from this enum.
 */
public enum Reason {
    ROUTE_NOT_FOUND(404, false, "destination_not_found",
            "No route matches this request.", "no route matches"),
    BAD_REQUEST(400, false, "http_request_error",
            "The request is malformed.", "malformed or ambiguous request (e.g. both Content-Length and Transfer-Encoding)"),
    REQUEST_HEADERS_TOO_LARGE(431, false, "http_request_error",
            "The request headers are too large.", "header fields over `max-header-size` (or more fields than `max-header-count`)"),
    URI_TOO_LONG(414, false, "http_request_error",
            "The request target is too long.", "request line over `max-initial-line` (a path or query that long;"
            + " nginx answers 414 too)"),
    REQUEST_BODY_TOO_LARGE(413, false, "http_request_error",
            "The request body is too large.", "body over `max-request-body`"),
    REQUEST_TIMEOUT(408, false, "http_request_error",
            "The request was not received in time.", "request head or body too slow"),
    ACCESS_DENIED(403, false, "http_request_denied",
            "Access to this resource is denied.", "the client's address is not in the route's `allow-from`, or is in its `deny-from`"),
    METHOD_NOT_ALLOWED(405, false, "http_request_denied",
            "This request method is not allowed.", "the request's method is one the listener refuses before routing"
            + " (`server.refused-methods`: `TRACE` and `TRACK` unless set otherwise), as nginx refuses `TRACE`;"
            + " `Allow` lists the methods it lets through"),
    NOT_IMPLEMENTED(501, false, "http_request_error",
            "The request uses a transfer coding the proxy does not implement.", "the request's `Transfer-Encoding`"
            + " ends with `chunked` after a coding the proxy does not decode (`gzip, chunked`; RFC 9112 §6.1, nginx"
            + " and Envoy answer 501 too); one that does not end with `chunked` cannot be framed and is a 400"),
    HTTP_VERSION_NOT_SUPPORTED(505, false, "http_request_error",
            "The request's HTTP version is not supported; use HTTP/1.1.", "the request line names a later major"
            + " version of HTTP (`HTTP/2.0`, `HTTP/3.0`): its client speaks a protocol the listener does not (RFC 9110"
            + " §15.6.6; nginx answers 505 too), and the connection closes after the answer. A malformed version"
            + " (`http/1.1`, `HTTP/1.10`, `HTTP/2`) and the HTTP/2 connection preface (`PRI * HTTP/2.0`) are a 400"),
    RATE_LIMITED(429, true, "http_request_denied",
            "Too many requests; retry later.", "over the route's `rate-limit` (for the client's address, or for the"
            + " whole route); `Retry-After` says when the next request would be taken"),
    UNAUTHORIZED(401, false, "http_request_denied",
            "The request lacks valid credentials.", "the route's `jwt` found no bearer token, or one that is"
            + " expired, not yet valid, for another issuer or audience, or not signed by a key of its `jwks-file` or `jwks-uri`;"
            + " `WWW-Authenticate: Bearer` says so"),
    INSUFFICIENT_SCOPE(403, false, "http_request_denied",
            "The request's credentials do not permit this request.", "the request's token passed the route's `jwt`"
            + " checks but lacks a value of its `required-claims` (a scope, a role); `WWW-Authenticate: Bearer"
            + " error=\"insufficient_scope\"` says so (RFC 6750)"),
    AUTH_UNAVAILABLE(503, true, "proxy_internal_response",
            "The credentials cannot be checked right now; retry later.", "the route's `jwt.jwks-uri` has not been"
            + " fetched since the proxy started (the issuer's key server unreachable, or its answer refused), so a"
            + " token it has not checked before cannot be checked; `Retry-After` says when to try again"),
    UPSTREAM_CONNECT_REFUSED(502, true, "connection_refused",
            "The upstream service refused the connection.", "every tried endpoint refused"),
    UPSTREAM_CONNECT_TIMEOUT(504, true, "connection_timeout",
            "The upstream service did not accept the connection in time.", "connect, TLS handshake included, did not complete in `connect-timeout`"),
    UPSTREAM_UNREACHABLE(502, true, "destination_unavailable",
            "The upstream service cannot be reached.", "DNS failure, no route to host, a TLS handshake that failed (certificate refused, no common protocol)"),
    UPSTREAM_RESET(502, true, "connection_terminated",
            "The upstream service closed the connection before responding.",
            "upstream closed or reset before a complete response head"),
    UPSTREAM_TIMEOUT(504, true, "http_response_timeout",
            "The upstream service did not respond in time.", "no response head within `per-try-timeout`, or the"
            + " upstream took none of the request body for `server.idle-timeout` (a host cut off mid-upload)"),
    UPSTREAM_BAD_RESPONSE(502, false, "http_protocol_error",
            "The upstream service sent a malformed response.", "malformed response"),
    /** Status is the upstream's; the status given here is only the catalog's placeholder. */
    UPSTREAM_ERROR(502, false, null,
            "The upstream service failed to handle the request.",
            "an upstream error response rewritten by `rewrite-upstream`"),
    CIRCUIT_OPEN(503, true, "destination_unavailable",
            "The upstream service is unavailable; retry later.", "all endpoints' breakers open"),
    UPSTREAM_OVERLOADED(503, true, "connection_limit_reached",
            "The upstream service is handling too many requests; retry later.",
            "`max-concurrent-requests` reached, or 1,024 requests already wait on the event loop for a connection to"
            + " the endpoint (`max-connections-per-endpoint` all busy), or the proxy is out of file descriptors or"
            + " buffer memory, or has spent its share of the second on checking new `jwt` bearer tokens"),
    GATEWAY_TIMEOUT(504, true, "http_response_timeout",
            "The request did not complete within the route's deadline.", "route `timeout` passed"),
    SHUTTING_DOWN(503, true, "proxy_internal_response",
            "The proxy is shutting down; retry on another instance.",
            "request arrived while draining, once `shutdown-grace` had run out, or was still unanswered then, its head"
                    + " still coming included (one that arrives earlier in the drain is served, with `Connection: close`)"),
    PATH_REGEX_GAVE_UP(500, false, "proxy_internal_error",
            "The route's regular expression gave up on the request's path.", "the route's `match.path-regex` or"
            + " `rewrite.regex` (or, while routing, another route's `path-regex`) needed more than the request's"
            + " budget left: the regexes tried on one request read more than 10,000,000 characters of its path in all"
            + " (backtracking), or one needed more stack than a thread has (a repeated group on a long path); logged"
            + " as a WARN naming the regex"),
    INTERNAL_ERROR(500, false, "proxy_internal_error",
            "The proxy failed to handle the request.", "a bug in the proxy; logged with a stack trace");

    /** The prefix of every {@link #problemType()}. */
    public static final String PROBLEM_TYPE_BASE = "https://rampart.dev/errors/";

    private final int status;
    private final boolean retryable;
    private final String proxyStatusError;
    private final String defaultMessage;
    private final String when;

    Reason(int status, boolean retryable, String proxyStatusError, String defaultMessage, String when) {
        this.status = status;
        this.retryable = retryable;
        this.proxyStatusError = proxyStatusError;
        this.defaultMessage = defaultMessage;
        this.when = when;
    }

    /** The HTTP status of the envelope; for {@link #UPSTREAM_ERROR} the upstream's status is used instead. */
    public int status() {
        return status;
    }

    /**
     * Whether the response keeps the upstream's status instead of {@link #status()}: true only for
     * {@link #UPSTREAM_ERROR}, a rewritten upstream error.
     */
    public boolean usesUpstreamStatus() {
        return this == UPSTREAM_ERROR;
    }

    /**
     * Whether a client may retry the same request. For {@link #UPSTREAM_ERROR} use
     * {@link #retryable(int)}, which depends on the upstream's status.
     */
    public boolean retryable() {
        return retryable;
    }

    /** Retryable for a given response status: 502, 503 and 504 upstream errors are; other upstream errors are not. */
    public boolean retryable(int responseStatus) {
        if (this == UPSTREAM_ERROR) {
            return responseStatus == 502 || responseStatus == 503 || responseStatus == 504;
        }
        return retryable;
    }

    /** The RFC 9209 error type, or {@code null} for {@link #UPSTREAM_ERROR}, which carries {@code received-status}. */
    public String proxyStatusError() {
        return proxyStatusError;
    }

    /** The message for people; never contains anything of the upstream. */
    public String defaultMessage() {
        return defaultMessage;
    }

    /** When the reason is used, as documented in the catalog. */
    public String when() {
        return when;
    }

    /**
     * The RFC 9457 problem {@code type}: {@value #PROBLEM_TYPE_BASE} followed by the name in lower case with
     * {@code -} for {@code _}, e.g. {@code https://rampart.dev/errors/circuit-open}. Derived from the name,
     * so it is as stable as the name is.
     */
    public String problemType() {
        return PROBLEM_TYPE_BASE + name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
