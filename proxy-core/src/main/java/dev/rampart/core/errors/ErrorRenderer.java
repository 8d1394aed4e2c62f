package dev.rampart.core.errors;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns an {@link ErrorContext} into the response the client sees: the envelope or RFC 9457 problem
 * details, chosen by {@code Accept}, with the request id, {@code Proxy-Status} and, when known,
 * {@code Retry-After} headers. The one place every error of the proxy, and every rewritten upstream
 * error, takes its shape, so that they all look alike (PRODUCT.md §3.2).
 *
 * <p>The body's {@code message}/{@code title} is always the reason's own message: nothing the upstream
 * said reaches the body except through the context's {@code details}, which the proxy fills with safe
 * text of its own.
 *
 * <p>Immutable and thread-safe: one instance per configuration, shared by all event loops. Rendering
 * does no I/O and keeps nothing, so a benchmark can call {@link #render(ErrorContext, ErrorFormat)} in a
 * loop with a fixed context, and {@link ErrorFormat#negotiate(String)} apart from it.
 */
public final class ErrorRenderer {

    /** The field name of the delay hint. */
    public static final String RETRY_AFTER = "Retry-After";

    private final ProxyStatus proxyStatus;
    private final String requestIdHeader;
    private final ErrorBodyWriter bodies = new ErrorBodyWriter();

    /**
     * @param proxyName       the name in {@code Proxy-Status}, e.g. {@code rampart}
     * @param requestIdHeader the request id field name, {@code request-id.header} ({@code X-Request-Id})
     */
    public ErrorRenderer(String proxyName, String requestIdHeader) {
        this.proxyStatus = new ProxyStatus(proxyName);
        Objects.requireNonNull(requestIdHeader, "requestIdHeader");
        if (requestIdHeader.isEmpty() || !requestIdHeader.chars().allMatch(c -> AcceptNegotiation.isTchar((char) c))) {
            throw new IllegalArgumentException("requestIdHeader: \"" + requestIdHeader + "\" (expected: a header name)");
        }
        this.requestIdHeader = requestIdHeader;
    }

    /**
     * Renders in the format the client's {@code Accept} prefers.
     *
     * @param acceptHeader the request's {@code Accept} value, several field lines joined with {@code ", "};
     *                     null when absent (the envelope)
     */
    public RenderedError render(ErrorContext ctx, String acceptHeader) {
        return render(ctx, ErrorFormat.negotiate(acceptHeader));
    }

    /** Renders in the given format. */
    public RenderedError render(ErrorContext ctx, ErrorFormat format) {
        Objects.requireNonNull(ctx, "ctx");
        byte[] body = format == ErrorFormat.PROBLEM_DETAILS ? bodies.problemDetails(ctx) : bodies.envelope(ctx);
        return new RenderedError(ctx.status(), format.contentType(), body, headers(ctx));
    }

    /** The request id, {@code Proxy-Status} and, when the context knows one, {@code Retry-After}. */
    private List<Map.Entry<String, String>> headers(ErrorContext ctx) {
        Map.Entry<String, String> requestId = Map.entry(requestIdHeader, ctx.requestId());
        Map.Entry<String, String> status = Map.entry(ProxyStatus.HEADER_NAME, proxyStatus.valueFor(ctx));
        if (ctx.retryAfterSeconds().isEmpty()) {
            return List.of(requestId, status);
        }
        return List.of(requestId, status, Map.entry(RETRY_AFTER, Long.toString(ErrorBodyWriter.retryAfter(ctx))));
    }

    /** The name written in {@code Proxy-Status}. */
    public String proxyName() {
        return proxyStatus.proxyName();
    }

    /** The request id field name. */
    public String requestIdHeader() {
        return requestIdHeader;
    }
}
