package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code respond.location}: a redirect's target and {@code keep-path}, and what is refused. */
class RedirectConfigTest extends RejectedConfigSupport {

    private String route(String respond) {
        return "{ name = moved, respond { " + respond + " } }";
    }

    /** The problems of the route, its location left out (they are all on line 4). */
    private List<String> problems(String respond) {
        return problemsOf(withRoutes(route(respond))).stream().map(p -> p.replace(at(4), "")).toList();
    }

    @Test
    void aLocationKeepsThePathUnlessToldAndTakesTheRequestsHost() {
        RespondConfig kept = onlyRoute(route("status = 301, location = \"https://{host}\"")).respond().orElseThrow();
        assertEquals(Optional.of("https://{host}"), kept.location());
        assertTrue(kept.keepPath());
        RespondConfig fixed = onlyRoute(route("status = 308, location = \"/maintenance.html\", keep-path = false"))
                .respond().orElseThrow();
        assertEquals(false, fixed.keepPath());
        RespondConfig plain = onlyRoute(route("status = 200, body = ok")).respond().orElseThrow();
        assertEquals(Optional.empty(), plain.location());
        assertEquals(false, plain.keepPath(), "no location, nothing to keep");
    }

    @Test
    void aLocationNeedsARedirectStatusAndAUrlOrAPath() {
        assertEquals(List.of("rampart.routes[0].respond.status: a location needs a redirect status: 301, 302, 303, 307"
                + " or 308 (got 200)"), problems("location = \"/x\""));
        String expected = "expected an absolute http(s) URL, such as \"https://example.com\" or \"https://{host}\" for the"
                + " request's host, or a path such as \"/new\", in the characters a URI allows (percent-encode others),"
                + " got ";
        for (String bad : new String[] {"", "example.com", "//evil.example/x", "ftp://x", "https://{host}.evil",
                "https://a b", "/a b", "javascript:alert(1)", "https://x/{host}", "https://...", "/a|b", "https://{host}www",
                "https://.{host}", "https://a..{host}", "https://{host}.{host}", "/a#b#c", "https://x/#a b", "#top",
                "?x=1"}) {
            assertEquals(List.of("rampart.routes[0].respond.location: " + expected + "\"" + bad + "\""),
                    problems("status = 302, location = \"" + bad + "\""), bad);
        }
        assertEquals(List.of("rampart.routes[0].respond.location: port 99999 of \"https://x:99999\" is not 1-65535"),
                problems("status = 302, location = \"https://x:99999\""));
        assertEquals(List.of("rampart.routes[0].respond.location: has a query, behind which keep-path would put the"
                + " request's path: leave the query out, or set keep-path = false"),
                problems("status = 302, location = \"https://x/base?from=old\""));
        assertEquals(Optional.of("https://x/base?from=old"), onlyRoute(route("status = 302, location ="
                + " \"https://x/base?from=old\", keep-path = false")).respond().orElseThrow().location());
        assertEquals(List.of("rampart.routes[0].respond.location: has a fragment, behind which keep-path would put"
                + " the request's path: leave the fragment out, or set keep-path = false"),
                problems("status = 302, location = \"https://x/page#top\""));
        for (String good : new String[] {"https://x/page#top", "/page#section-2", "https://example.com?from=old",
                "https://www.{host}", "https://www.eu-1.{host}:8443/x#top"}) {
            assertEquals(Optional.of(good), onlyRoute(route("status = 302, location = \"" + good + "\","
                    + " keep-path = false")).respond().orElseThrow().location(), good);
        }
        assertEquals(List.of("rampart.routes[0].respond.keep-path: is read only with a location"),
                problems("status = 200, keep-path = false"));
        List<String> both = problemsOf(withRoutes("{ name = moved, respond { status = 301, location = \"/x\" },"
                + " response-headers { set { location = \"/y\" } } }"));
        assertEquals(List.of("rampart.routes[0].response-headers: Location is respond.location's on this route: a rule"
                + " cannot change it" + at(4)), both);
    }

    @Test
    void theEffectiveConfigWritesTheLocationAndReadsBackTheSame() {
        RampartConfig config = HoconFiles.load(dir, withRoutes(route("status = 301, location = \"https://{host}:8443\"")));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("location = \"https://{host}:8443\"") && rendered.contains("keep-path = true"),
                rendered);
        assertEquals(config.routes(), HoconFiles.load(dir, rendered).routes());
    }
}
