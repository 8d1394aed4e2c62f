package dev.rampart.core.errors;

import java.util.List;
import java.util.Map;

/**
 * A rendered error response, ready for any transport.
 *
 * @param status      HTTP status
 * @param contentType {@code application/json} or {@code application/problem+json}
 * @param body        the UTF-8 body (sent as is; for HEAD only its length is used)
 * @param headers     {@code Proxy-Status}, {@code Retry-After} when known, the request id header
 */
public record RenderedError(int status, String contentType, byte[] body, List<Map.Entry<String, String>> headers) {

    public RenderedError {
        headers = List.copyOf(headers);
    }
}
