package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks shared by the tests of requests the proxy refuses from their head: the answer, the close, the upstream. */
final class RefusedRequests {

    /** A request sent right behind a refused one: it must never reach the upstream. */
    static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    private RefusedRequests() {
    }

    /** The next answer on {@code raw} is {@code status} with {@code reason}'s envelope, then the proxy closes. */
    static void assertRefusedThenClosed(RawHttp raw, int status, String reason) {
        RawHttp.Response response = raw.read();
        assertNotNull(response, "a " + status + " answer, not a silent close");
        assertEquals(status, response.status(), response.text());
        assertTrue(response.text().contains("\"" + reason + "\""), response.text());
        assertEquals("close", response.header("connection"));
        assertTrue(raw.closedByPeer(), "the connection is closed after the refusal");
    }

    /** Nothing new reaches {@code upstream}, checked for a while since a forwarded request arrives asynchronously. */
    static void assertNothingForwardedSince(FakeUpstream upstream, int before) {
        long deadline = System.nanoTime() + 200_000_000L;
        while (System.nanoTime() < deadline) {
            List<RecordedRequest> all = upstream.requests();
            assertEquals(before, all.size(), () -> "forwarded: " + all.subList(before, all.size()).stream()
                    .map(RecordedRequest::uri).toList());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
