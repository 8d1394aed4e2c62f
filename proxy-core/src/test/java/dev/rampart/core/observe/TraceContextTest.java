package dev.rampart.core.observe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceContextTest {

    private static final String VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @Test
    void validIncomingIsPassedThroughUnchanged() {
        assertSame(VALID, TraceContext.ensureTraceparent(VALID));
    }

    @Test
    void unsampledFlagsAreKept() {
        String unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        assertSame(unsampled, TraceContext.ensureTraceparent(unsampled));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", // upper case
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero parent id
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // forbidden version
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 is exactly 55
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",   // short trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",   // short parent id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",   // short flags
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",  // wrong separators
            "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
            "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version not hex
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x", // future version, no '-' after 55
            " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // leading space
    })
    void invalidIncomingIsReplacedByANewTrace(String incoming) {
        assertFalse(TraceContext.isValid(incoming));
        String result = TraceContext.ensureTraceparent(incoming);
        assertNotEquals(incoming, result);
        assertTrue(TraceContext.isValid(result), result);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-some-future-field",
    })
    void higherVersionsParseByTheirVersion00Prefix(String incoming) {
        assertTrue(TraceContext.isValid(incoming));
        assertSame(incoming, TraceContext.ensureTraceparent(incoming));
    }

    @Test
    void generatedValuesAreVersion00SampledAndWellFormed() {
        Set<String> traceIds = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String generated = TraceContext.generate();
            assertEquals(TraceContext.LENGTH, generated.length());
            assertTrue(generated.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), generated);
            assertTrue(TraceContext.isValid(generated), generated);
            traceIds.add(generated.substring(3, 35));
        }
        assertEquals(1000, traceIds.size(), "trace ids must not repeat");
    }
}
