package dev.rampart.core.errors;

import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /** The first value of a header, by case-insensitive name, as HTTP compares field names. */
    public Optional<String> header(String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return Optional.of(header.getValue());
            }
        }
        return Optional.empty();
    }
}
