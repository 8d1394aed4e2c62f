package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Values that end up on the wire, written into a request line or a header the proxy sends: they are
 * refused when the config is loaded unless they are what the wire allows there, never sent malformed
 * and never left to fail on every request. Same message shape as {@link ConfigValidationTest}.
 */
class ConfigWireValuesTest extends RejectedConfigSupport {

    private static final String PATH = "expected a path starting with \"/\" of URI path characters (others as %XX)";

    @Test
    void rewritePrefixesAndPathPrefixesMustBeUriPaths() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, rewrite { replace-prefix { from = "/t", to = "/a b" } } },
                    { upstream = app, rewrite { replace-prefix { from = "/t", to = "/new?added=1" } } },
                    { upstream = app, rewrite { replace-prefix { from = "/a#b", to = "/x" } } },
                    { upstream = app, rewrite { strip-prefix = "/caf\\u00e9" } },
                    { upstream = app, match { path-prefix = "/bad%zz" } },
                    { upstream = app, rewrite { replace-prefix { from = "/ok/%41-._~!$&'()*+,;=:@", to = "/v2" } } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[0].rewrite.replace-prefix.to: " + PATH + ", got \"/a b\"" + at(4),
                "rampart.routes[1].rewrite.replace-prefix.to: " + PATH + ", got \"/new?added=1\"" + at(5),
                "rampart.routes[2].rewrite.replace-prefix.from: " + PATH + ", got \"/a#b\"" + at(6),
                "rampart.routes[3].rewrite.strip-prefix: " + PATH + ", got \"/café\"" + at(7),
                "rampart.routes[4].match.path-prefix: " + PATH + ", got \"/bad%zz\"" + at(8)),
                problems);
    }

    @Test
    void prefixesThatNoRequestPathCouldStartWithAreRefused() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { path-prefix = "/x/../admin" } },
                    { upstream = app, match { path-prefix = "//y" } },
                    { upstream = app, rewrite { strip-prefix = "/a/%2e/b" } },
                    { upstream = app, match { path-prefix = "/.well-known" }, rewrite { strip-prefix = "/a/.." } },
                    { upstream = app, match { path-prefix = "/a%00" } },
                    { upstream = app, match { path-prefix = "/a%2fb" } },
                    { upstream = app, match { path-regex = "^/caf%c3%a9" } },
                    { upstream = app, rewrite { replace-prefix { from = "/n", to = "/%2e%2e/" } } },
                    { upstream = app, rewrite { replace-prefix { from = "/n", to = "/y%00" } } },
                    { upstream = app, rewrite { replace-prefix { from = "/n", to = "/team%2Frepo" } } },
                    { upstream = app, rewrite { replace-prefix { from = "/n", to = "/a/.." } } },
                    { upstream = app, rewrite { replace-prefix { from = "/n", to = "/%2e" } } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        String matched = "can never match: request paths are matched with \".\" and \"..\" segments resolved, runs of"
                + " \"/\" merged, %2F as \"/\" and no %00";
        String forwarded = "is not a path in normal form, as what is forwarded always is: no \".\" or \"..\" segment,"
                + " no \"//\", no %00";
        assertEquals(List.of(
                "rampart.routes[0].match.path-prefix: " + matched + " (got \"/x/../admin\")" + at(4),
                "rampart.routes[1].match.path-prefix: " + matched + " (got \"//y\")" + at(5),
                "rampart.routes[2].rewrite.strip-prefix: " + matched + " (got \"/a/%2e/b\")" + at(6),
                "rampart.routes[4].match.path-prefix: " + matched + " (got \"/a%00\")" + at(8),
                "rampart.routes[5].match.path-prefix: " + matched + " (got \"/a%2fb\")" + at(9),
                "rampart.routes[6].match.path-regex: can never match %c3: request paths are matched with escapes in"
                        + " upper case (got \"^/caf%c3%a9\")" + at(10),
                "rampart.routes[7].rewrite.replace-prefix.to: " + forwarded + " (got \"/%2e%2e/\")" + at(11),
                "rampart.routes[8].rewrite.replace-prefix.to: " + forwarded + " (got \"/y%00\")" + at(12),
                "rampart.routes[10].rewrite.replace-prefix.to: " + forwarded + " (got \"/a/..\")" + at(14),
                "rampart.routes[11].rewrite.replace-prefix.to: " + forwarded + " (got \"/%2e\")" + at(15)),
                problems);
    }

    @Test
    void prefixesAreKeptWithTheirEscapesInTheFormRequestPathsHave() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { path-prefix = "/caf%c3%a9" }, rewrite { strip-prefix = "/%61pi" } },
                    { upstream = app, rewrite { replace-prefix { from = "/%7euser", to = "/v2%2f" } } }
                  ]
                }
                """, "test.conf", java.util.Map.of());
        assertEquals(java.util.Optional.of("/caf%C3%A9"), config.routes().get(0).match().pathPrefix());
        assertEquals(java.util.Optional.of(new PathRewrite.StripPrefix("/api")), config.routes().get(0).rewrite());
        assertEquals(java.util.Optional.of(new PathRewrite.ReplacePrefix("/~user", "/v2%2F")),
                config.routes().get(1).rewrite());
    }

    @Test
    void aHealthCheckPathMayHaveAQueryButNoSpaceOrControlCharacter() {
        String hocon = """
                rampart {
                  upstreams {
                    a { endpoints = ["127.0.0.1:8081"], health-check { path = "/health check" } }
                    b { endpoints = ["127.0.0.1:8082"], health-check { path = "/h\\r\\nX-Evil: 1" } }
                    c { endpoints = ["127.0.0.1:8083"], health-check { path = "/health?full=1&x=/y" } }
                  }
                  routes = [ { upstream = a } ]
                }
                """;
        String expected = "expected a path starting with \"/\", with an optional ?query, of URI characters (others as %XX)";
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.upstreams.a.health-check.path: " + expected + ", got \"/health check\"" + at(3),
                "rampart.upstreams.b.health-check.path: " + expected + ", got \"/h\\r\\nX-Evil: 1\"" + at(4)),
                problems);
    }

    @Test
    void theRequestIdHeaderCannotBeAFramingHopByHopOrProxySetField() {
        for (String name : List.of("Content-Length", "transfer-encoding", "Host", "Connection", "Via", "X-Forwarded-For",
                "Cache-Control", "traceparent", "Set-Cookie", "Authorization", "Content-Encoding", "If-None-Match",
                "Vary", "Accept-Encoding", "X_Forwarded_For", "x-forwarded_host", "X_Rampart_Attempt", "Content_Length",
                "Transfer_Encoding", "Set_Cookie", "X-Forwarded-Port", "x-forwarded-prefix", "X-Real-IP",
                "X-Original-URL", "X_Rewrite_URL", "Baggage", "Proxy")) { // an underscore spelling is the dashed name's alias upstream
            String hocon = """
                    rampart {
                      request-id { header = "%s" }
                      upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                      routes = [ { upstream = app } ]
                    }
                    """.formatted(name);
            List<String> problems = problemsOf(hocon);
            assertEquals(List.of("rampart.request-id.header: expected a header name of its own (this one frames or"
                    + " routes the message, the proxy sets it, or it means something else to clients, caches or"
                    + " upstreams), got \"" + name + "\"" + at(2)), problems);
        }
    }

    @Test
    void aSizeGivenAsAPlainNumberMustBeWholeBytes() {
        String hocon = """
                rampart {
                  server { max-request-body = 1.5 }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, retry { replay-buffer = 0.9 } }, { upstream = app, retry { replay-buffer = 1.5k } },
                             { upstream = app, retry { replay-buffer = "0.9" } }, { upstream = app, retry { replay-buffer = "2.0" } } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.server.max-request-body: expected a whole number of bytes, or a size (e.g. 64k, 1.5m), got 1.5"
                        + at(2),
                "rampart.routes[0].retry.replay-buffer: expected a whole number of bytes, or a size (e.g. 64k, 1.5m),"
                        + " got 0.9" + at(4),
                "rampart.routes[2].retry.replay-buffer: expected a whole number of bytes, or a size (e.g. 64k, 1.5m),"
                        + " got \"0.9\"" + at(5)),
                problems);
    }
}
