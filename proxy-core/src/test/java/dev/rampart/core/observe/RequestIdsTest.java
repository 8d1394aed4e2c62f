package dev.rampart.core.observe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Which incoming request ids are kept (and logged, and sent on) as they came, and which are replaced. */
class RequestIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "0b6e0f5c-7a6d-4e4f-9a55-3f0c8f0e2b1a", // a UUID
            "01ARZ3NDEKTSV4RRFFQ69G5FAV", // a ULID
            "dGhpcyBpcyBhbiBpZA==", "a/b+c", // base64
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", // AWS X-Amzn-Trace-Id
            "svc@host:8080~retry.2_a",
    })
    void aWellFormedIncomingIdIsKept(String id) {
        assertEquals(id, RequestIds.resolve(id, true));
        assertNotEquals(id, RequestIds.resolve(id, false), "trust-incoming = false always makes a new one");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "a\"b", "a\\b", "a,b", "caf\u00e9", "a\tb", "a<b>", "{\"x\":1}"})
    void anIdThatWouldNeedCareInAHeaderListOrALogLineIsReplaced(String id) {
        String resolved = RequestIds.resolve(id, true);
        assertNotEquals(id, resolved);
        assertEquals(36, resolved.length(), "a UUID in its place: " + resolved);
    }

    @org.junit.jupiter.api.Test
    void anIdLongerThan128CharactersIsReplaced() {
        assertEquals("a".repeat(128), RequestIds.resolve("a".repeat(128), true));
        assertNotEquals("a".repeat(129), RequestIds.resolve("a".repeat(129), true));
    }
}
