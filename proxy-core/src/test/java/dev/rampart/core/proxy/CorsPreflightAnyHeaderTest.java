package dev.rampart.core.proxy;

import dev.rampart.core.config.CorsConfig;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A preflight to a route whose {@code allow-headers} is {@code ["*"]} is answered with the headers it asked for:
 * with credentials a browser reads a literal {@code *} as a header named "*", and the request would be refused.
 */
class CorsPreflightAnyHeaderTest {

    @Test
    void anyHeaderAllowedEchoesTheHeadersThePreflightAskedFor() {
        CorsConfig cors = new CorsConfig(List.of("https://app.example"), List.of("GET", "POST"), List.of(CorsConfig.ANY),
                List.of(), true, Duration.ZERO);
        HttpHeaders request = new DefaultHttpHeaders().add("Origin", "https://app.example")
                .add("Access-Control-Request-Method", "POST")
                .add("Access-Control-Request-Headers", "content-type, x-trace-id");
        Map<String, String> answer = new java.util.LinkedHashMap<>();
        CorsHeaders.forPreflight(cors, request).forEach(e -> answer.put(e.getKey(), e.getValue()));
        assertEquals("https://app.example", answer.get("Access-Control-Allow-Origin"));
        assertEquals("content-type, x-trace-id", answer.get("Access-Control-Allow-Headers"));
    }
}
