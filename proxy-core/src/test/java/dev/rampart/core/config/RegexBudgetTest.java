package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RegexBudget}: ordinary regexes answer as they would without it; costly ones give up instead of running on. */
class RegexBudgetTest {

    @Test
    void anOrdinaryRegexFindsAndReplacesAsWithoutABudget() {
        Pattern images = Pattern.compile("\\.(png|jpg)$");
        Matcher matcher = images.matcher("");
        String longPath = "/segment".repeat(1000) + ".png";
        assertTrue(RegexBudget.find(matcher, images, longPath));
        assertFalse(RegexBudget.find(matcher, images, "/a/b.gif"));
        assertEquals("/v2/orders", RegexBudget.replaceAll(Pattern.compile("^/api/v(\\d+)/"), "/api/v2/orders", "/v$1/"));
        String untouched = "/other";
        assertSame(untouched, RegexBudget.replaceAll(Pattern.compile("^/api/"), untouched, "/"), "no match: the same path");
        Pattern anchored = Pattern.compile("^.*\\.php$");
        assertTrue(RegexBudget.find(anchored.matcher(""), anchored, "/x".repeat(4000) + ".php"), "read once: cheap");
    }

    @Test
    void aRegexThatBacktracksWithoutEndGivesUp() {
        Pattern evil = Pattern.compile("(.*a){8}$");
        RegexBudget.GaveUp gaveUp = assertThrows(RegexBudget.GaveUp.class,
                () -> RegexBudget.find(evil.matcher(""), evil, "/" + "a".repeat(60) + "!"));
        assertTrue(gaveUp.getMessage().contains("(.*a){8}$") && gaveUp.getMessage().contains("62 characters"),
                gaveUp.getMessage());
        assertThrows(RegexBudget.GaveUp.class, () -> RegexBudget.replaceAll(evil, "/" + "a".repeat(60) + "!", "/"));
    }

    @Test
    void aRepeatedGroupDeeperThanTheStackGivesUp() {
        Pattern deep = Pattern.compile("^/((?:a|b)*)$");
        RegexBudget.GaveUp gaveUp = assertThrows(RegexBudget.GaveUp.class,
                () -> RegexBudget.replaceAll(deep, "/" + "ab".repeat(100_000), "/$1"));
        assertTrue(gaveUp.getMessage().contains("stack"), gaveUp.getMessage());
        assertEquals("/abab", RegexBudget.replaceAll(deep, "/abab", "/$1"));
    }
}
