package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The normal form paths are compared in: exactly the unreserved characters are unescaped, every other escape
 * is upper-cased, and what is no complete escape is left as it is.
 */
class PathEscapesTest {

    @Test
    void exactlyTheUnreservedCharactersAreUnescapedAtTheEdgesOfTheirRanges() {
        // Each range's first and last character, and the characters just outside it.
        assertEquals("/%2F09%3A%40AZ%5B%60az%7B-._~%2C%21", PathEscapes.normalForm(
                "/%2f%30%39%3a%40%41%5a%5b%60%61%7a%7b%2d%2e%5f%7e%2c%21"));
    }

    @Test
    void escapesWithAZeroDigitAreNormalizedToo() {
        assertEquals("/%0A/0/%C0/%00", PathEscapes.normalForm("/%0a/%30/%c0/%00"));
    }

    @Test
    void anEscapeAtTheVeryStartOrEndIsNormalizedAndAnIncompleteOneIsLeftAsItIs() {
        assertEquals("~a", PathEscapes.normalForm("%7E%61"));
        assertEquals("/no/escapes", PathEscapes.normalForm("/no/escapes"));
        assertEquals("/a%4", PathEscapes.normalForm("/a%4"));
        assertEquals("/a%", PathEscapes.normalForm("/a%"));
        assertEquals("/%G1%4", PathEscapes.normalForm("/%G1%4"));
    }
}
