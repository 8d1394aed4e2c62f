package dev.rampart.core.routing;

import dev.rampart.core.config.PathRewrite;
import dev.rampart.core.config.RegexBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;

import static dev.rampart.core.routing.TestRoutes.match;
import static dev.rampart.core.routing.TestRoutes.route;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class RouteTest {

    private static Route compiled(Optional<PathRewrite> rewrite) {
        return Router.compile(List.of(route("r", match().prefix("/api"), rewrite))).routes().get(0);
    }

    @ParameterizedTest
    @CsvSource({
            "/api/orders,           /orders",
            "/api/orders?page=2,    /orders?page=2",
            "/api,                  /",
            "/api?x=1,              /?x=1",
            "/api/?x=/api/y,        /?x=/api/y",
            "/apix,                 /x",
    })
    void stripPrefixRewritesThePathAndKeepsTheQuery(String in, String out) {
        assertEquals(out, compiled(Optional.of(new PathRewrite.StripPrefix("/api"))).rewritePath(in, new RegexBudget()));
    }

    @ParameterizedTest
    @CsvSource({
            "/api/orders,         /v2/orders",
            "/api/orders?a=b&c,   /v2/orders?a=b&c",
            "/api,                /v2",
            "/api?q=/api,         /v2?q=/api",
    })
    void replacePrefixRewritesThePathAndKeepsTheQuery(String in, String out) {
        assertEquals(out, compiled(Optional.of(new PathRewrite.ReplacePrefix("/api", "/v2"))).rewritePath(in, new RegexBudget()));
    }

    @Test
    void withoutRewriteTheSameInstanceComesBack() {
        String target = new String("/api/orders?page=2");
        assertSame(target, compiled(Optional.empty()).rewritePath(target, new RegexBudget()));
    }

    @Test
    void aRewriteThatDoesNotApplyReturnsTheSameInstance() {
        Route route = compiled(Optional.of(new PathRewrite.StripPrefix("/api")));
        String withQuery = new String("/web?q=/api");
        String withoutQuery = new String("/web");
        assertSame(withQuery, route.rewritePath(withQuery, new RegexBudget()));
        assertSame(withoutQuery, route.rewritePath(withoutQuery, new RegexBudget()));
    }

    @Test
    void nameAndConfigComeFromTheRouteConfig() {
        Route route = compiled(Optional.empty());
        assertEquals("r", route.name());
        assertEquals("r", route.config().name());
    }
}
