package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code rewrite { regex, replacement }}: what it does to paths, and what is refused before any request. */
class RegexRewriteConfigTest extends RejectedConfigSupport {

    private PathRewrite rewrite(String regex, String replacement) {
        return onlyRoute("{ upstream = app, rewrite { regex = \"" + regex + "\", replacement = \"" + replacement
                + "\" } }").rewrite().orElseThrow();
    }

    private List<String> problems(String rewrite) {
        return problemsOf(withRoutes("{ upstream = app, rewrite { " + rewrite + " } }")).stream()
                .map(p -> p.replace(at(4), "")).toList();
    }

    @Test
    void everyMatchIsReplacedWithItsGroupsAndAPathItMissesIsLeftAlone() {
        PathRewrite versioned = rewrite("^/api/v(\\\\d+)/(.*)$", "/v$1/$2");
        assertEquals("/v2/orders/7", versioned.apply("/api/v2/orders/7", new RegexBudget()));
        assertEquals("/other/x", versioned.apply("/other/x", new RegexBudget()));
        PathRewrite named = rewrite("^/api/(?<segment>.*)$", "/${segment}");
        assertEquals("/users/1", named.apply("/api/users/1", new RegexBudget()), "Spring Cloud Gateway's RewritePath example");
        assertEquals("/", named.apply("/api/", new RegexBudget()));
        PathRewrite everywhere = rewrite("/old/", "/new/");
        assertEquals("/new/a/new/b", everywhere.apply("/old/a/old/b", new RegexBudget()), "every match, as Envoy's regex_rewrite");
        assertEquals("/x", rewrite("^/strip", "").apply("/strip/x", new RegexBudget()), "a result without a leading slash gets one");
        assertEquals("/", rewrite("^/strip", "").apply("/strip", new RegexBudget()));
        assertEquals(null, versioned.removedPrefix("/api/v2/orders"), "no X-Forwarded-Prefix");
    }

    @Test
    void aBadRegexAReferenceToNoGroupCharactersNoPathHasAndAnAbnormalPathAreRefused() {
        assertTrue(problems("regex = \"^/api/(\", replacement = \"/\"").get(0).startsWith(
                "rampart.routes[0].rewrite.regex: expected a regular expression, got \"^/api/(\" ("));
        assertEquals(List.of("rampart.routes[0].rewrite.replacement: $2 names no group: the regex has 1 group (got"
                + " \"/$2\")"), problems("regex = \"^/a/(.*)\", replacement = \"/$2\""));
        assertEquals(List.of("rampart.routes[0].rewrite.replacement: ${rest} names no group of the regex (got"
                + " \"/${rest}\")"), problems("regex = \"^/a/(?<tail>.*)\", replacement = \"/${rest}\""));
        for (String bad : List.of("/a b", "/$x", "/é", "/a?b", "/cost$")) {
            assertEquals(List.of("rampart.routes[0].rewrite.replacement: expected URI path characters (others as %XX,"
                    + " a literal $ as %24) and group references $1 or ${name}, got \"" + bad + "\""),
                    problems("regex = \"^/a\", replacement = \"" + bad + "\""), bad);
        }
        assertEquals(List.of("rampart.routes[0].rewrite.replacement: ${nm} names no group of the regex (got"
                + " \"/${nm}$1\")"), problems("regex = \"^/a/[(?<nm>)]+(.*)\", replacement = \"/${nm}$1\""),
                "a name inside a character class is no group");
        assertEquals("/b", rewrite("(?x) ^/a/ (?<rest> .*) # the rest", "/${rest}").apply("/a/b", new RegexBudget()),
                "a comment at the end of a (?x) regex");
        for (String abnormal : List.of("/../$1", "/$1/..", "/%2e%2e/$1", "/a%00/$1", "/caf%c3%a9/$1", "/%41/$1",
                "./$1")) {
            assertEquals(List.of("rampart.routes[0].rewrite.replacement: is not in normal form, as what is forwarded"
                    + " always is: no \".\" or \"..\" segment, no %00, escapes of letters, digits and -._~ written as"
                    + " the character, other escapes in upper case (got \"" + abnormal + "\")"),
                    problems("regex = \"^/a/(.*)\", replacement = \"" + abnormal + "\""), abnormal);
        }
        assertEquals("/caf%C3%A9/..b/.x", rewrite("^/a/(.*)", "/caf%C3%A9/..$1/.x").apply("/a/b", new RegexBudget()));
        assertEquals(List.of("rampart.routes[0].rewrite.replacement: missing (expected what each match becomes, e.g."
                + " \"/v2/$1\")"), problems("regex = \"^/a\""));
        assertEquals(List.of("rampart.routes[0].rewrite.regex: missing (expected the regular expression whose matches"
                + " in the path are replaced)"), problems("replacement = \"/b\""));
        assertEquals(List.of("rampart.routes[0].rewrite: has more than one of strip-prefix, replace-prefix and regex"
                + " (expected one)"), problems("strip-prefix = \"/a\", regex = \"^/a\", replacement = \"/b\""));
    }
}
