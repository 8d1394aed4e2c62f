package dev.rampart.core.errors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AcceptNegotiationTest {

    private static AcceptNegotiation.Weights weights(int json, int problem) {
        return new AcceptNegotiation.Weights(json, problem);
    }

    @Test
    void exactProblemJsonIsChosen() {
        assertEquals(ErrorFormat.PROBLEM_DETAILS, AcceptNegotiation.negotiate("application/problem+json"));
        assertEquals(weights(0, 1000), AcceptNegotiation.weights("application/problem+json"));
    }

    @Test
    void lowerWeightedJsonLosesToProblemJson() {
        assertEquals(weights(500, 1000), AcceptNegotiation.weights("application/json;q=0.5, application/problem+json"));
        assertEquals(ErrorFormat.PROBLEM_DETAILS,
                AcceptNegotiation.negotiate("application/json;q=0.5, application/problem+json"));
    }

    @Test
    void higherWeightedJsonBeatsProblemJson() {
        assertEquals(ErrorFormat.ENVELOPE,
                AcceptNegotiation.negotiate("application/problem+json;q=0.4, application/json;q=0.8"));
    }

    @Test
    void wildcardsTieAndGiveTheEnvelope() {
        assertEquals(weights(1000, 1000), AcceptNegotiation.weights("*/*"));
        assertEquals(weights(1000, 1000), AcceptNegotiation.weights("application/*"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("*/*"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("application/*"));
    }

    @Test
    void explicitTieGivesTheEnvelope() {
        assertEquals(ErrorFormat.ENVELOPE,
                AcceptNegotiation.negotiate("application/problem+json, application/json"));
    }

    @Test
    void mostSpecificRangeDecidesTheWeight() {
        // The exact range beats the wildcard for problem+json even though it comes later and weighs less.
        assertEquals(weights(1000, 200), AcceptNegotiation.weights("*/*, application/problem+json;q=0.2"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("*/*, application/problem+json;q=0.2"));
        // application/* outranks */*: json gets 0.3 from it although */* says 1.
        assertEquals(weights(300, 900), AcceptNegotiation.weights("*/*, application/*;q=0.3, application/problem+json;q=0.9"));
        assertEquals(ErrorFormat.PROBLEM_DETAILS,
                AcceptNegotiation.negotiate("*/*, application/*;q=0.3, application/problem+json;q=0.9"));
    }

    @Test
    void zeroWeightExcludes() {
        assertEquals(weights(0, 0), AcceptNegotiation.weights("application/problem+json;q=0"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("application/problem+json;q=0"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("application/problem+json;q=0.000, */*"));
        // Excluding application/json leaves problem+json acceptable through */*.
        assertEquals(weights(0, 1000), AcceptNegotiation.weights("application/json;q=0, */*"));
        assertEquals(ErrorFormat.PROBLEM_DETAILS, AcceptNegotiation.negotiate("application/json;q=0, */*"));
    }

    @Test
    void missingOrEmptyAcceptGivesTheEnvelope() {
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate(null));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate(""));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate(" , "));
    }

    @Test
    void unrelatedTypesGiveTheEnvelope() {
        assertEquals(weights(0, 0), AcceptNegotiation.weights("text/html, image/*;q=0.8"));
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("text/html, image/*;q=0.8"));
        // Not a wildcard in RFC 9110: a literal subtype that names neither offered type.
        assertEquals(weights(0, 0), AcceptNegotiation.weights("application/*+json"));
    }

    @Test
    void namesAndTheWeightParameterAreCaseInsensitive() {
        assertEquals(weights(0, 700), AcceptNegotiation.weights("Application/Problem+JSON;Q=0.7"));
    }

    @Test
    void otherParametersAreParsedAndIgnoredForMatching() {
        assertEquals(weights(500, 1000), AcceptNegotiation.weights(
                "application/json; charset=utf-8 ;q=0.5, application/problem+json; profile=\"a, b;q=0\"; ext=1"));
    }

    @Test
    void weightIsReadInThousandths() {
        assertEquals(weights(1000, 0), AcceptNegotiation.weights("application/json;q=1.000"));
        assertEquals(weights(123, 0), AcceptNegotiation.weights("application/json;q=0.123"));
        assertEquals(weights(10, 0), AcceptNegotiation.weights("application/json;q=0.01"));
        assertEquals(weights(0, 0), AcceptNegotiation.weights("application/json;q=0."));
    }

    @Test
    void emptyElementsAndWhitespaceAreAllowed() {
        assertEquals(weights(200, 1000), AcceptNegotiation.weights(
                " ,application/json ;\tq=0.2,, application/problem+json ; ,"));
    }

    @Test
    void highestWeightWinsAmongEquallySpecificRanges() {
        assertEquals(weights(0, 900), AcceptNegotiation.weights(
                "application/problem+json;q=0.1, application/problem+json;q=0.9"));
        assertEquals(weights(500, 900), AcceptNegotiation.weights(
                "application/problem+json;q=0.9, application/problem+json;q=0.1, application/json;q=0.5"),
                "whichever comes first");
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate(
                "application/json;q=0.1, application/json;q=0.9, application/problem+json;q=0.5"));
    }

    @Test
    void emptyParametersAndSpaceBeforeACommaAreAllowed() {
        // RFC 9110 §12.5.1: parameters = *( OWS ";" OWS [ parameter ] ), and list elements are padded with OWS.
        assertEquals(ErrorFormat.PROBLEM_DETAILS, AcceptNegotiation.negotiate("application/problem+json;"));
        assertEquals(weights(500, 1000), AcceptNegotiation.weights("application/problem+json , application/json;q=0.5"));
        assertEquals(weights(0, 1000), AcceptNegotiation.weights("application/problem+json;p=\"a\\\"b\""),
                "a quoted-pair in a quoted string");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "application",                              // no subtype
            "application/",                             // empty subtype
            "/json",                                    // empty type
            "*/json",                                   // wildcard type with a subtype
            "application/problem+json;q=2",             // weight above 1
            "application/problem+json;q=1.5",
            "application/problem+json;q=0.1234",        // more than three decimals
            "application/problem+json;q=",              // empty weight
            "application/problem+json;q=high",
            "application/problem+json;q=\"0.5\"",       // weight is not a quoted string
            "application/problem+json;profile",         // parameter without a value
            "application/problem+json;p=\"unterminated",
            "application/problem+json x",               // junk after the range
            "application/problem+json text/plain",
            "application/problem+json;a=",              // a parameter with an empty value
            "application/problem+json; q = 0.5",        // no whitespace around "="
            "appli cation/problem+json",
            "application/problem+json\u0100",           // not a header character
            "application/problem+json;p=\"\u0001\"",    // control character in a quoted string
    })
    void malformedAcceptGivesTheEnvelope(String accept) {
        assertNull(AcceptNegotiation.weights(accept), accept);
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate(accept), accept);
    }

    @Test
    void malformedElementSpoilsTheWholeHeader() {
        assertEquals(ErrorFormat.ENVELOPE, AcceptNegotiation.negotiate("application/problem+json, bogus"));
    }

    @Test
    void publicEntryPointNegotiatesTheSameWay() {
        assertEquals(ErrorFormat.PROBLEM_DETAILS, ErrorFormat.negotiate("application/problem+json"));
        assertEquals(ErrorFormat.ENVELOPE, ErrorFormat.negotiate("application/json"));
        assertEquals("application/problem+json", ErrorFormat.PROBLEM_DETAILS.contentType());
        assertEquals("application/json", ErrorFormat.ENVELOPE.contentType());
    }
}
