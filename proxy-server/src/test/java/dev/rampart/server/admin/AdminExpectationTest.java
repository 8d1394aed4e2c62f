package dev.rampart.server.admin;

import dev.rampart.core.config.AdminConfig;
import dev.rampart.core.testing.RawHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code Expect} on the admin listener, over raw sockets: the aggregator answers it before any handler sees
 * the request, and its refusals came out bare (no body, no {@code Cache-Control}) where every other admin
 * answer is JSON with {@code no-store}.
 */
class AdminExpectationTest {

    private AdminServer server;

    @BeforeEach
    void start() throws IOException {
        server = AdminServer.start(new AdminConfig("127.0.0.1", 0),
                new AdminSources(() -> "m 1\n", () -> true, () -> "{}", List::of));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anAnnouncedBodyOverTheLimitIs413JsonAndTheConnectionServesTheNextRequest() {
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Response refused = raw.send("POST /metrics HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + (AdminServer.MAX_REQUEST_BYTES + 1) + "\r\n\r\n").read();
            assertEquals(413, refused.status());
            assertEquals("{\"error\":\"payload_too_large\"}", refused.text());
            assertEquals("application/json", refused.header("content-type"));
            assertEquals("no-store", refused.header("cache-control"));
            RawHttp.Response next = raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, next.status(), "the refused body was never sent: the next request is read as one");
        }
    }

    @Test
    void anExpectationOtherThanContinueIs417Json() {
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Response refused = raw.send("GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n").read();
            assertEquals(417, refused.status());
            assertEquals("{\"error\":\"expectation_failed\"}", refused.text());
            assertEquals("no-store", refused.header("cache-control"));
        }
    }

    @Test
    void anAnnouncedBodyWithinTheLimitIsContinuedAndAnswered() {
        try (RawHttp raw = new RawHttp("127.0.0.1", server.port())) {
            RawHttp.Response interim = raw.send("POST /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\n").read();
            assertEquals(100, interim.status());
            RawHttp.Response answer = raw.send("hello").read();
            assertEquals(405, answer.status());
            assertEquals("{\"error\":\"method_not_allowed\"}", answer.text());
        }
    }
}
