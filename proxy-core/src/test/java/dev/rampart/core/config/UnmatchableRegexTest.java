package dev.rampart.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A path-regex that requires text no request path in normal form can contain is found; one that may
 * match is not (the check is sound, not complete).
 */
class UnmatchableRegexTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"^/caf%c3%a9", "^/a%2Fb", "^/%7Eadmin", "^/secret%2Etxt$", "^/%41pi", "^/café",
            "^/x%2fy", "^/a\uD83D\uDE00$",
            // after an escaped character, a class, an optional character, and with a 0 among the hex digits
            "^/\\[%7E", "^/\\(%7E", "^/\\|%7E", "^/[a]%7E", "^/[(]%7E", "^/[|]%7E", "^/é?%7E", "^/%0a", "^/%30"})
    void textNoRequestPathCanContainIsFound(String regex) {
        assertNotNull(UnmatchableRegex.find(regex), regex);
    }

    @ParameterizedTest
    @ValueSource(strings = {"^/caf%C3%A9", "^/api/.*", "^/[é%7e]", "^/%7E?", "^/[^é]+$", "%[0-9A-F]{2}",
            "^/x%2", "^/%G1", "^/(~|%7E)admin", "^/admin|%7E", "^/(%7E)?private", "^/(?:%c3%a9)*", "^/(?!%2E)x",
            "^/x(?<!%7E)", "(?x)^/admin # café", "(?i)^/caf%c3%a9$", "(?iu)^/ſecret", "[]%7e]", "[^]é]x",
            "^/x/é?$", "^/xé*", "^/xé{0,1}", "^/a\uD83D\uDE00?$", "^/a\\Q%7E\\E?",
            // a group after a class, or after a "]" that closes none, may be optional
            "^/[a](%7E)?", "^/](%7E)?", "^/][%7E]", "^/Q\\.[%7E]",
            // DEL is ASCII, left as it is
            "^/a\u007Fb"})
    void textSomeRequestPathCanContainIsNot(String regex) {
        assertNull(UnmatchableRegex.find(regex), regex);
    }

    @Test
    void whatCannotMatchIsNamedWithTheReason() {
        assertEquals("%7e: request paths are matched with escapes in upper case", UnmatchableRegex.find("^/%7eadmin"));
        assertEquals("%2F: request paths are matched with %2F as \"/\"", UnmatchableRegex.find("^/a%2Fb"));
        assertEquals("%7E: request paths are matched with unreserved characters unescaped (\"~\")",
                UnmatchableRegex.find("^/%7Eadmin"));
        assertEquals("é: request paths are matched with bytes above ASCII percent-encoded (as UTF-8)",
                UnmatchableRegex.find("^/café"));
    }

    @Test
    void aRegexCutOffInAClassOrAnEscapeIsReportedAsNoRegexNotACrash() {
        // The unmatchable check reads the text before the regex compiler does: it must not trip on what that refuses.
        for (String regex : List.of("^/x[", "^/x[^", "^/x\\")) {
            List<String> problems = HoconFiles.problems(HoconFiles.write(dir, """
                    rampart {
                      upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                      routes = [ { upstream = app, match { path-regex = "%s" } } ]
                    }
                    """.formatted(regex.replace("\\", "\\\\"))));
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("rampart.routes[0].match.path-regex: expected a regular expression"),
                    problems.get(0));
        }
    }
}
