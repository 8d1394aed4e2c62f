package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A route's {@code request-headers} and {@code response-headers}: what is kept, and what is refused and why. */
class HeaderRulesConfigTest extends RejectedConfigSupport {

    private static String route(String rules) {
        return """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app
                """ + rules + """
                  } ]
                }
                """;
    }

    @Test
    void rulesAreKeptInTheConfigsOrderWithTheNamesAsWritten() {
        RampartConfig config = HoconFiles.load(dir, route("""
                request-headers {
                  remove = ["X-Debug", x-trace-me]
                  set { "X-Api-Version" = 2, "X-Env" = "prod" }
                  add { "X-Tag" = "edge" }
                }
                response-headers { remove = [Server], set { "Cache-Control" = "no-store" } }
                """));
        RouteConfig route = config.routes().get(0);
        assertEquals(new HeaderRules(Map.of("X-Api-Version", "2", "X-Env", "prod"), Map.of("X-Tag", "edge"),
                List.of("X-Debug", "x-trace-me")), route.requestHeaders());
        assertEquals(List.of("X-Api-Version", "X-Env"), List.copyOf(route.requestHeaders().set().keySet()));
        assertEquals(new HeaderRules(Map.of("Cache-Control", "no-store"), Map.of(), List.of("Server")),
                route.responseHeaders());
    }

    @Test
    void theEffectiveConfigShowsTheRulesAndParsesBackWithCredentialValuesRedactedInJson() {
        RampartConfig config = HoconFiles.load(dir, route("""
                request-headers { remove = [Cookie], set { Authorization = "Bearer s3cret", "X-Env" = prod } }
                response-headers { add { "Strict-Transport-Security" = "max-age=63072000" } }
                """));
        String text = EffectiveConfigRenderer.render(config);
        assertEquals(config, ConfigLoader.parse(text, "effective", Map.of()), text);
        assertTrue(text.contains("Bearer s3cret"), "the text form is for the operator's own eyes: " + text);
        String json = EffectiveConfigRenderer.renderJson(config);
        assertFalse(json.contains("s3cret"), json);
        assertTrue(json.contains(EffectiveConfigRenderer.REDACTED) && json.contains("prod")
                && json.contains("max-age=63072000"), json);
    }

    @Test
    void absentRulesChangeNothing() {
        RouteConfig route = HoconFiles.load(dir, route("")).routes().get(0);
        assertEquals(HeaderRules.NONE, route.requestHeaders());
        assertEquals(HeaderRules.NONE, route.responseHeaders());
    }

    @Test
    void headersTheProxyDecidesAreRefusedWithTheReason() {
        List<String> problems = problemsOf(route("""
                request-headers { set { Host = "a.example", "X-Forwarded-For" = "10.0.0.1" }, remove = [Content-Length] }
                response-headers { remove = [Transfer-Encoding, "X-Request-Id"] }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.set.Host: Host cannot be changed by a route: the Host sent upstream"
                        + " is chosen by preserve-host (false: the endpoint's host:port; true: the client's)" + at(4),
                "rampart.routes[0].request-headers.set.X-Forwarded-For: X-Forwarded-For cannot be changed by a"
                        + " route: set by the proxy on every request (X-Forwarded-For tells the upstream where the"
                        + " request came from)" + at(4),
                "rampart.routes[0].request-headers.remove: Content-Length cannot be changed by a route: framing is"
                        + " the proxy's: it sends the length of the body it forwards" + at(4),
                "rampart.routes[0].response-headers.remove: Transfer-Encoding cannot be changed by a route: framing"
                        + " is the proxy's: it sends the length of the body it forwards" + at(5),
                "rampart.routes[0].response-headers.remove: X-Request-Id cannot be changed by a route: set by the"
                        + " proxy to the request id (request-id.header)" + at(5)), problems);
    }

    @Test
    void everyHopByHopFieldIsRefusedOnResponsesToo() {
        // The proxy drops an upstream's Proxy-Authorization as it drops every hop-by-hop field; a rule that put
        // one on the response would send the client a field of the hop it cannot belong to.
        List<String> problems = problemsOf(route("""
                response-headers { set { "Proxy-Authorization" = "Basic x" }, remove = [Proxy-Authenticate] }
                """));
        assertEquals(List.of(
                "rampart.routes[0].response-headers.set.Proxy-Authorization: Proxy-Authorization cannot be changed"
                        + " by a route: a hop-by-hop header: it belongs to one connection and never crosses the proxy"
                        + at(4),
                "rampart.routes[0].response-headers.remove: Proxy-Authenticate cannot be changed by a route: a"
                        + " hop-by-hop header: it belongs to one connection and never crosses the proxy" + at(4)),
                problems);
    }

    @Test
    void anH2cUpgradesSettingsAreHopByHopForRulesAsForTheProxy() {
        // The proxy drops HTTP2-Settings both ways (RFC 7540 §3.2.1: it is about its sender's connection); a rule
        // that set it would send a field the proxy itself never lets cross.
        List<String> problems = problemsOf(route("""
                request-headers { set { "HTTP2-Settings" = "AAMAAABk" } }
                response-headers { remove = [http2-settings] }
                """));
        String why = " cannot be changed by a route: a hop-by-hop header: it belongs to one connection and never"
                + " crosses the proxy";
        assertEquals(List.of(
                "rampart.routes[0].request-headers.set.HTTP2-Settings: HTTP2-Settings" + why + at(4),
                "rampart.routes[0].response-headers.remove: http2-settings" + why + at(5)), problems);
    }

    @Test
    void theBodysCodingIsNotARoutesToChangeEitherWay() {
        // Removed from a gzipped response (a compression route's, or the upstream's), the client reads gzip bytes
        // as the body itself.
        List<String> problems = problemsOf(route("""
                compression { }
                response-headers { remove = [Content-Encoding] }
                request-headers { set { Content_Encoding = identity } }
                """));
        String why = " cannot be changed by a route: it names the coding of the body the proxy relays as it came (or,"
                + " on a compression route, as it gzipped it): changed, the body would be decoded wrongly or not at all";
        assertEquals(List.of(
                "rampart.routes[0].response-headers.remove: Content-Encoding" + why + at(5),
                "rampart.routes[0].request-headers.set.Content_Encoding: Content_Encoding" + why + at(6)), problems);
    }

    @Test
    void theForwardedProtoAndHostMayOnlyBeSetToAFixedValue() {
        RouteConfig behindALoadBalancer = HoconFiles.load(dir, route("""
                request-headers { set { "X-Forwarded-Proto" = https, "X-Forwarded-Host" = "www.example.com" } }
                """)).routes().get(0);
        assertEquals(Map.of("X-Forwarded-Proto", "https", "X-Forwarded-Host", "www.example.com"),
                behindALoadBalancer.requestHeaders().set());
        List<String> problems = problemsOf(route("""
                request-headers { remove = ["X-Forwarded-Host"], add { "X-Forwarded-Proto" = https } }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.add.X-Forwarded-Proto: X-Forwarded-Proto cannot be changed by a"
                        + " route: set by the proxy on every request; a route may only set it to a fixed value"
                        + " (set { \"X-Forwarded-Proto\" = \"https\" })" + at(4),
                "rampart.routes[0].request-headers.remove: X-Forwarded-Host cannot be changed by a route: set by the"
                        + " proxy on every request; a route may only set it to a fixed value"
                        + " (set { \"X-Forwarded-Host\" = \"www.example.com\" })" + at(4)), problems);
    }

    @Test
    void anUnderscoreSpellingOfAHeaderTheProxyDecidesIsRefusedAsThatHeader() {
        // The proxy drops a removed or set name in every spelling CGI servers read as one: Content_Length would
        // take the proxy's own Content-Length with it, and the body would be read as the next request.
        List<String> problems = problemsOf(route("""
                request-headers {
                  remove = ["Content_Length", "x_forwarded_for"]
                  set { "X-Forwarded_Proto" = https, "X_Request_Id" = "1" }
                }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.remove: Content_Length cannot be changed by a route: framing is"
                        + " the proxy's: it sends the length of the body it forwards" + at(5),
                "rampart.routes[0].request-headers.remove: x_forwarded_for cannot be changed by a route: set by the"
                        + " proxy on every request (X-Forwarded-For tells the upstream where the request came from)"
                        + at(5),
                "rampart.routes[0].request-headers.set.X-Forwarded_Proto: X-Forwarded_Proto cannot be changed by a"
                        + " route: set by the proxy on every request; a route may only set it to a fixed value"
                        + " (set { \"X-Forwarded-Proto\" = \"https\" })" + at(6),
                "rampart.routes[0].request-headers.set.X_Request_Id: X_Request_Id cannot be changed by a route: set"
                        + " by the proxy to the request id (request-id.header)" + at(6)), problems);
    }

    @Test
    void anUnderscoreSpellingOfTheForwardedProtoOrHostIsAnyOtherNameOnResponses() {
        // The proxy sets neither on a response, and a response's rule names itself alone (clients do not read _
        // as -): x_forwarded_host there is an ordinary header, not the request's X-Forwarded-Host.
        RouteConfig route = HoconFiles.load(dir, route("""
                response-headers { set { "x_forwarded_host" = "a" }, add { "X_Forwarded_Proto" = "b" } }
                """)).routes().get(0);
        assertEquals(new HeaderRules(Map.of("x_forwarded_host", "a"), Map.of("X_Forwarded_Proto", "b"), List.of()),
                route.responseHeaders());
    }

    @Test
    void spellingsThatServersReadAsOneNameAreOneName() {
        List<String> problems = problemsOf(route("""
                request-headers { set { X-Tenant = "a", X_Tenant = "b" } }
                """));
        assertEquals(List.of("rampart.routes[0].request-headers.set.X_Tenant: X_Tenant is already named in"
                + " rampart.routes[0].request-headers.set (header names ignore case, and CGI, WSGI and Rack servers"
                + " read _ as -; a header may be removed, set or added, once)" + at(4)), problems);
    }

    @Test
    void theRequestIdHeaderIsTheConfiguredOne() {
        List<String> problems = problemsOf("""
                rampart {
                  request-id { header = "X-Correlation-Id" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, request-headers { set { "x-correlation-id" = "1", "X-Request-Id" = "2" } } } ]
                }
                """);
        assertEquals(List.of("rampart.routes[0].request-headers.set.x-correlation-id: x-correlation-id cannot be"
                + " changed by a route: set by the proxy to the request id (request-id.header)" + at(4)), problems);
    }

    @Test
    void aDirectResponsesTypeIsItsRespondContentTypeWhileARelayedOnesMayBeSet() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = relayed, upstream = app, response-headers { set { Content-Type = "text/plain" } } },
                    { name = direct, respond { status = 200 }, response-headers { set { Content-Type = "text/html" } } }
                  ]
                }
                """);
        assertEquals(List.of("rampart.routes[1].response-headers.set.Content-Type: Content-Type cannot be changed by"
                + " a route: a direct response's type is respond.content-type" + at(5)), problems);
    }

    @Test
    void badNamesAndValuesAreRefused() {
        List<String> problems = problemsOf(route("""
                request-headers {
                  set { "X Space" = "1", "X-Empty" = "", "X-Break" = "a\\r\\nInjected: yes", "X-Accent" = "café" }
                  add { "X-Padded" = " v", X-List = [a, b] }
                  remove = ["X:Colon"]
                }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.set.\"X Space\": expected a header name, got \"X Space\"" + at(5),
                "rampart.routes[0].request-headers.set.X-Accent: must be a header value in printable ASCII: no line"
                        + " breaks, other control characters or text above ASCII (percent-encode it)" + at(5),
                "rampart.routes[0].request-headers.set.X-Break: must be a header value in printable ASCII: no line"
                        + " breaks, other control characters or text above ASCII (percent-encode it)" + at(5),
                "rampart.routes[0].request-headers.set.X-Empty: an empty value (to drop the header, list it in remove)"
                        + at(5),
                "rampart.routes[0].request-headers.add.X-List: expected a string, got [\"a\",\"b\"]" + at(6),
                "rampart.routes[0].request-headers.add.X-Padded: a header value has no leading or trailing spaces:"
                        + " \" v\" would not arrive as written" + at(6),
                "rampart.routes[0].request-headers.remove: expected a header name, got \"X:Colon\"" + at(7)),
                problems);
    }

    /** The value often comes from the environment, and a reload logs its problems. */
    @Test
    void aPaddedValueOfACredentialHeaderIsNotQuotedInItsProblem() {
        List<String> problems = problemsOf(route("""
                request-headers { set { Authorization = "Bearer PADDED-SECRET ", X-Api-Key = " KEY-SECRET" } }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.set.Authorization: a header value has no leading or trailing"
                        + " spaces: its value (not shown: the name suggests a credential) would not arrive as written"
                        + at(4),
                "rampart.routes[0].request-headers.set.X-Api-Key: a header value has no leading or trailing spaces:"
                        + " its value (not shown: the name suggests a credential) would not arrive as written" + at(4)),
                problems);
    }

    @Test
    void aNameIsNamedOnceWhateverItsCase() {
        List<String> problems = problemsOf(route("""
                response-headers { set { "Cache-Control" = "no-store" }, add { "cache-control" = "private" } }
                """));
        assertEquals(List.of("rampart.routes[0].response-headers.add.cache-control: cache-control is already named in"
                + " rampart.routes[0].response-headers.set (header names ignore case, and CGI, WSGI and Rack"
                + " servers read _ as -; a header may be removed, set or added, once)" + at(4)), problems);
    }

    @Test
    void anUnquotedDottedNameAndAnUnknownKeyAreExplained() {
        List<String> problems = problemsOf(route("""
                request-headers { set { X.Version = "1" }, sett { X-A = "1" } }
                """));
        assertEquals(List.of(
                "rampart.routes[0].request-headers.set.X: expected a header value, got an object (a header name with"
                        + " a dot in it must be quoted: \"X.…\" = value)" + at(4),
                "rampart.routes[0].request-headers.sett: unknown key (did you mean \"set\"?)" + at(4)), problems);
    }
}
