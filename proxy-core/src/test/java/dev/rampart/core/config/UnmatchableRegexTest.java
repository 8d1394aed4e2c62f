package dev.rampart.core.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A path-regex that requires text no request path in normal form can contain is found; one that may
 * match is not (the check is sound, not complete).
 */
class UnmatchableRegexTest {

    @ParameterizedTest
    @ValueSource(strings = {"^/caf%c3%a9", "^/a%2Fb", "^/%7Eadmin", "^/secret%2Etxt$", "^/%41pi", "^/café",
            "^/x%2fy", "^/a\uD83D\uDE00$"})
    void textNoRequestPathCanContainIsFound(String regex) {
        assertNotNull(UnmatchableRegex.find(regex), regex);
    }

    @ParameterizedTest
    @ValueSource(strings = {"^/caf%C3%A9", "^/api/.*", "^/[é%7e]", "^/%7E?", "^/[^é]+$", "%[0-9A-F]{2}",
            "^/x%2", "^/%G1", "^/(~|%7E)admin", "^/admin|%7E", "^/(%7E)?private", "^/(?:%c3%a9)*", "^/(?!%2E)x",
            "^/x(?<!%7E)", "(?x)^/admin # café", "(?i)^/caf%c3%a9$", "(?iu)^/ſecret", "[]%7e]", "[^]é]x",
            "^/x/é?$", "^/xé*", "^/xé{0,1}", "^/a\uD83D\uDE00?$", "^/a\\Q%7E\\E?"})
    void textSomeRequestPathCanContainIsNot(String regex) {
        assertNull(UnmatchableRegex.find(regex), regex);
    }
}
