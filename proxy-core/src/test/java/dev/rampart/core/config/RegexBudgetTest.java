package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RegexBudget}: ordinary regexes answer as they would without it; costly ones give up instead of running on,
 * and the regexes of one request share its budget.
 */
class RegexBudgetTest {

    @Test
    void anOrdinaryRegexFindsAndReplacesAsWithoutABudget() {
        Pattern images = Pattern.compile("\\.(png|jpg)$");
        Matcher matcher = images.matcher("");
        String longPath = "/segment".repeat(1000) + ".png";
        assertTrue(new RegexBudget().find(matcher, images, longPath));
        assertFalse(new RegexBudget().find(matcher, images, "/a/b.gif"));
        assertEquals("/v2/orders", new RegexBudget().replaceAll(Pattern.compile("^/api/v(\\d+)/"), "/api/v2/orders", "/v$1/"));
        String untouched = "/other";
        assertSame(untouched, new RegexBudget().replaceAll(Pattern.compile("^/api/"), untouched, "/"), "no match: the same path");
        Pattern anchored = Pattern.compile("^.*\\.php$");
        assertTrue(new RegexBudget().find(anchored.matcher(""), anchored, "/x".repeat(4000) + ".php"), "read once: cheap");
    }

    @Test
    void aRegexThatBacktracksWithoutEndGivesUp() {
        Pattern evil = Pattern.compile("(.*a){8}$");
        RegexBudget.GaveUp gaveUp = assertThrows(RegexBudget.GaveUp.class,
                () -> new RegexBudget().find(evil.matcher(""), evil, "/" + "a".repeat(60) + "!"));
        assertTrue(gaveUp.getMessage().contains("(.*a){8}$") && gaveUp.getMessage().contains("62 characters"),
                gaveUp.getMessage());
        assertThrows(RegexBudget.GaveUp.class, () -> new RegexBudget().replaceAll(evil, "/" + "a".repeat(60) + "!", "/"));
    }

    @Test
    void aRepeatedGroupDeeperThanTheStackGivesUp() {
        Pattern deep = Pattern.compile("^/((?:a|b)*)$");
        RegexBudget.GaveUp gaveUp = assertThrows(RegexBudget.GaveUp.class,
                () -> new RegexBudget().replaceAll(deep, "/" + "ab".repeat(100_000), "/$1"));
        assertTrue(gaveUp.getMessage().contains("stack"), gaveUp.getMessage());
        assertEquals("/abab", new RegexBudget().replaceAll(deep, "/abab", "/$1"));
    }

    @Test
    void theRegexesOfOneRequestShareItsBudget() {
        // Unanchored, ".*\\.php$" is tried from every position of the path: about 6,000,000 reads on 2,000 characters.
        Pattern php = Pattern.compile(".*\\.php$");
        Pattern asp = Pattern.compile(".*\\.asp$");
        String path = "/" + "x".repeat(2000);
        assertFalse(new RegexBudget().find(php.matcher(""), php, path), "one such regex is within a request's budget");
        assertFalse(new RegexBudget().find(asp.matcher(""), asp, path));

        RegexBudget request = new RegexBudget();
        assertFalse(request.find(php.matcher(""), php, path));
        RegexBudget.GaveUp gaveUp = assertThrows(RegexBudget.GaveUp.class, () -> request.find(asp.matcher(""), asp, path),
                "the second spends what the first left");
        assertTrue(gaveUp.getMessage().contains(".*\\.asp$") && gaveUp.getMessage().contains("the request's regexes"),
                gaveUp.getMessage());
        assertThrows(RegexBudget.GaveUp.class, () -> request.replaceAll(Pattern.compile("^/(x+)$"), path, "/$1"),
                "a rewrite after them has nothing left either");
    }
}
