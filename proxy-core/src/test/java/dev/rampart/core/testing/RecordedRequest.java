package dev.rampart.core.testing;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a fake upstream saw of one request.
 *
 * @param connectionId which upstream connection carried it (same id = a reused connection)
 * @param bodySha256   hex SHA-256 of the body as received
 */
public record RecordedRequest(
        String method,
        String uri,
        HttpHeaders headers,
        int bodyLength,
        String bodySha256,
        long connectionId,
        HttpHeaders trailers) {

    public String header(String name) {
        return headers.get(name);
    }

    /** The {@code X-Rampart-Attempt} header as a number, or 0 when absent. */
    public int attempt() {
        String value = headers.get("x-rampart-attempt");
        return value == null ? 0 : Integer.parseInt(value);
    }
}
