package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route's {@code compression} block: what it binds to, its defaults, the type matching, and what is refused. */
class CompressionConfigTest extends RejectedConfigSupport {

    @Test
    void aRouteWithoutTheBlockCompressesNothing() {
        assertEquals(Optional.empty(), onlyRoute("{ upstream = app }").compression());
    }

    @Test
    void anEmptyBlockCompressesTheDefaultTextTypesFromOneKibibyteAtLevelOne() {
        assertEquals(Optional.of(new CompressionConfig(CompressionConfig.DEFAULT_TYPES, 1024, 1)),
                onlyRoute("{ upstream = app, compression {} }").compression());
    }

    @Test
    void theBlockBindsTypesInLowerCaseMinLengthAndLevel() {
        RouteConfig route = onlyRoute(
                "{ upstream = app, compression { types = [\"Application/JSON\", \"text/*\"], min-length = 2KiB, level = 6 } }");
        assertEquals(Optional.of(new CompressionConfig(List.of("application/json", "text/*"), 2048, 6)),
                route.compression());
    }

    @Test
    void aTypeMatchesWithItsParametersAsideAndCaseIgnoredAndAWildcardCoversItsSubtypes() {
        CompressionConfig config = new CompressionConfig(List.of("application/json", "text/*"), 0, 1);
        assertTrue(config.compressesContentType("application/json"));
        assertTrue(config.compressesContentType("Application/JSON; charset=utf-8"));
        assertTrue(config.compressesContentType("text/html"));
        assertTrue(config.compressesContentType("text/event-stream"));
        assertFalse(config.compressesContentType("application/problem+json"));
        assertFalse(config.compressesContentType("image/png"));
        assertFalse(config.compressesContentType("textual/html"), "text/* is the text type, not a prefix");
        assertFalse(config.compressesContentType("text"));
        assertFalse(config.compressesContentType(""));
    }

    @Test
    void badTypesAnEmptyListAndOutOfRangeNumbersAreEachReported() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, compression { types = [] } },
                    { name = b, upstream = app, compression { types = ["*/*", "json", "text/html; charset=utf-8", "text/ht*"] } },
                    { name = c, upstream = app, compression { level = 0 } },
                    { name = d, upstream = app, compression { level = 10, min-length = -1 } },
                    { name = e, upstream = app, compression { types = ["*/json"] } }"""));
        assertEquals(9, problems.size(), problems.toString());
        assertTrue(problems.get(8).startsWith("rampart.routes[4].compression.types[0]: \"*/json\" names no type: list"
                + " the types it is meant for (\"application/json\""), problems.get(8));
        assertTrue(problems.get(0).startsWith("rampart.routes[0].compression.types: must not be empty"), problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[1].compression.types[0]: \"*/*\" would compress every"
                + " response"), problems.get(1));
        String expected = "expected a media type such as \"application/json\" or \"text/*\", without parameters, got ";
        assertTrue(problems.get(2).startsWith("rampart.routes[1].compression.types[1]: " + expected + "\"json\""),
                problems.get(2));
        assertTrue(problems.get(3).startsWith("rampart.routes[1].compression.types[2]: " + expected), problems.get(3));
        assertTrue(problems.get(4).startsWith("rampart.routes[1].compression.types[3]: " + expected), problems.get(4));
        assertTrue(problems.get(5).startsWith("rampart.routes[2].compression.level: expected a number 1-9, got 0"),
                problems.get(5));
        assertTrue(problems.get(6).startsWith("rampart.routes[3].compression.min-length: expected a size"), problems.get(6));
        assertTrue(problems.get(7).startsWith("rampart.routes[3].compression.level: expected a number 1-9, got 10"),
                problems.get(7));
    }

    @Test
    void anUnknownKeyInTheBlockIsReported() {
        List<String> problems = problemsOf(withRoutes("    { upstream = app, compression { gzip-types = [\"text/html\"] } }"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].compression.gzip-types: unknown key"), problems.get(0));
    }

    @Test
    void theEffectiveConfigShowsTheBlock() {
        RampartConfig config = HoconFiles.load(dir, withRoutes(
                "    { upstream = app, compression { types = [\"application/json\"], level = 5 } }"));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("compression {\n") && rendered.contains("types = [\"application/json\"]")
                && rendered.contains("min-length = 1k") && rendered.contains("level = 5"), rendered);
    }
}
