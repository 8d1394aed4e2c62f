package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.testing.TestCertificates;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cors, allow-from, TLS, canary, consistent-hash, compression, rewrite and respond bindings at their edges, and
 * the warnings they give: a misspelt key, an address read as another, a bound that is inclusive, a valid config that
 * must not be refused.
 */
class ConfigBindingEdgesTest extends RejectedConfigSupport {

    private String cors(String body) {
        return withRoutes("{ name = api, upstream = app, cors { " + body + " } }");
    }

    private String allowFrom(String entry) {
        return withRoutes("{ name = api, upstream = app, allow-from = [\"" + entry + "\"] }");
    }

    private static List<String> warnings(String route) {
        return ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                  routes = [ { name = r, upstream = app, %s } ]
                }
                """.formatted(route), "test.conf", Map.of()));
    }


    // ---- cors ----

    /** A misspelt allow-credentials would be silently false. */
    @Test
    void aMisspeltKeyInTheCorsBlockIsAnUnknownKey() {
        assertEquals(List.of("rampart.routes[0].cors.allow-credential: unknown key (did you mean"
                        + " \"allow-credentials\"?)"),
                routeProblems(cors("allow-origins = [\"https://a.example\"], allow-credential = true")));
    }

    /** Cors without origins, or with an empty list of them, is refused. */
    @Test
    void corsWithoutOriginsIsRefused() {
        String expected = "rampart.routes[0].cors.allow-origins: missing or empty: list the origins allowed to call"
                + " the route, e.g. [\"https://app.example.com\"] (or [\"*\"] for any)";
        assertEquals(List.of(expected), routeProblems(cors("allow-credentials = true")));
        assertEquals(List.of(expected), routeProblems(cors("allow-origins = []")));
        assertEquals(List.of("rampart.routes[0].cors.allow-origins: expected a list, got \"https://a.example\""),
                routeProblems(cors("allow-origins = \"https://a.example\"")), "reported once, as no list");
    }

    /** "*" only alone, and only in allow-headers. */
    @Test
    void aStarHeaderIsAllowedAloneInAllowHeadersOnly() {
        assertEquals(List.of("rampart.routes[0].cors.expose-headers[0]: expected a header name, got \"*\""),
                routeProblems(cors("allow-origins = [\"https://a.example\"], expose-headers = [\"*\"]")));
        assertEquals(List.of("rampart.routes[0].cors.allow-headers[0]: expected a header name (or \"*\" alone, for"
                + " any), got \"*\""), routeProblems(cors("allow-origins = [\"https://a.example\"], allow-headers = [\"*\","
                + " X-A]")));
        assertEquals(List.of("*"), onlyRoute("{ upstream = app, cors { allow-origins = [\"https://a.example\"],"
                + " allow-headers = [\"*\"] } }").cors().orElseThrow().allowHeaders());
    }

    /** Ports 1 and 65535 are ports; 0 is not. */
    @Test
    void anOriginsPortIsOneTo65535Inclusive() {
        assertEquals(List.of("https://a.example:1", "https://b.example:65535"), onlyRoute("{ upstream = app, cors {"
                + " allow-origins = [\"https://a.example:1\", \"https://b.example:65535\"] } }").cors().orElseThrow()
                .allowOrigins());
        assertEquals(List.of("rampart.routes[0].cors.allow-origins[0]: the port must be 1–65535, got"
                + " \"https://a.example:0\": no Origin can have it"), routeProblems(cors("allow-origins ="
                + " [\"https://a.example:0\"]")));
    }

    /** A wildcard origin needs a label before its domain. */
    @Test
    void aWildcardOriginTakesSubdomainsOnly() {
        CorsConfig cors = onlyRoute("{ upstream = app, cors { allow-origins = [\"https://*.example.com\"] } }")
                .cors().orElseThrow();
        assertTrue(cors.allowsOrigin("https://a.example.com"));
        assertFalse(cors.allowsOrigin("https://.example.com"));
        assertFalse(cors.allowsOrigin("https://example.com"));
        assertFalse(cors.allowsOrigin("https://evil.com/.example.com"));
        assertFalse(cors.allowsOrigin("https://evil.com:1.example.com"));
    }

    // ---- allow-from (AddressRange) ----

    /** Only ::ffff:a.b.c.d is an IPv4 client; other IPv6 addresses with ffff there are not. */
    @Test
    void anIpv6AddressIsNotTakenForTheIpv4AddressInItsLastBytes() {
        List<AddressRange> tenNet = List.of(AddressRange.parse("10.0.0.0/8"));
        assertTrue(AddressRange.anyContains(tenNet, AddressRange.addressOf("::ffff:10.1.2.3")));
        assertFalse(AddressRange.anyContains(tenNet, AddressRange.addressOf("2001:db8::ffff:a01:203")));
        assertFalse(AddressRange.anyContains(tenNet, AddressRange.addressOf("::1:0:ffff:a01:203")));
        assertFalse(AddressRange.anyContains(tenNet, AddressRange.addressOf("::fffe:10.1.2.3")));
        assertFalse(AddressRange.anyContains(tenNet, AddressRange.addressOf("::feff:10.1.2.3")));
    }

    /** A prefix that ends inside a byte keeps that byte's high bits. */
    @Test
    void aPrefixEndingInsideAByteKeepsItsHighBits() {
        assertEquals(List.of(AddressRange.parse("10.16.0.0/12")), onlyRoute("{ upstream = app, allow-from ="
                + " [\"10.16.0.0/12\"] }").allowFrom());
        assertEquals(List.of("rampart.routes[0].allow-from[0]: \"10.1.0.0/12\" has bits set past its /12: the network"
                + " is 10.0.0.0/12, a single address is written without /"), routeProblems(allowFrom("10.1.0.0/12")));
        AddressRange range = AddressRange.parse("10.16.0.0/12");
        assertTrue(range.contains(AddressRange.addressOf("10.31.255.255")));
        assertFalse(range.contains(AddressRange.addressOf("10.32.0.0")));
        assertFalse(range.contains(AddressRange.addressOf("10.15.255.255")));
    }

    /** /32 and /128 are whole addresses; a mapped network takes 96 to 128. */
    @Test
    void prefixLengthsAreBoundedInclusively() {
        assertEquals("10.0.0.1", AddressRange.parse("10.0.0.1/32").toString());
        assertEquals("fd00::1", AddressRange.parse("fd00::1/128").toString());
        assertEquals("0.0.0.0/0", AddressRange.parse("::ffff:0.0.0.0/96").toString());
        assertEquals("10.0.0.0/8", AddressRange.parse("::ffff:10.0.0.0/104").toString());
        assertEquals(List.of("rampart.routes[0].allow-from[0]: \"::ffff:0.0.0.0/95\": an IPv4-mapped network"
                + " (::ffff:a.b.c.d) takes a prefix length of 96-128; the IPv4 network it maps is written a.b.c.d/0-32"),
                routeProblems(allowFrom("::ffff:0.0.0.0/95")));
        assertEquals(List.of("rampart.routes[0].allow-from[0]: \"10.0.0.1/33\": the prefix length after / must be"
                + " 0-32"), routeProblems(allowFrom("10.0.0.1/33")));
    }

    /** A zone or brackets make no address of allow-from's, whether the JDK would parse it or not. */
    @Test
    void anAddressWithAZoneOrBracketsIsRefused() {
        for (String entry : List.of("fe80::1%1", "fe80::1%lo", "[::1]", "[::1]/128")) {
            List<String> problems = routeProblems(allowFrom(entry));
            assertEquals(1, problems.size(), entry + ": " + problems);
            assertTrue(problems.get(0).contains("is not an IP address or a network"), problems.get(0));
        }
    }

    // ---- TLS ----

    /** TLS 1.2 ECDSA suites are what an EC certificate is served with. */
    @Test
    void anEcCertificateIsServedWithEcdsaSuites() {
        TestCertificates ec = TestCertificates.generate(dir, "ec", "localhost", "dns:localhost");
        TlsHandshakeConfig handshake = HoconFiles.load(dir, """
                rampart {
                  server { tls { cert-chain = "%s", private-key = "%s"
                                 protocols = [TLSv1.2], ciphers = [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256] } }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """.formatted(ec.certChain(), ec.privateKey())).server().tls().orElseThrow().handshake();
        assertEquals(List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), handshake.ciphers());
        assertEquals(null, TlsHandshakeBinder.keyMismatch(handshake, "EC"));
        assertEquals(null, TlsHandshakeBinder.keyMismatch(handshake, "Ed25519"));
        assertTrue(TlsHandshakeBinder.keyMismatch(handshake, "RSA").contains("RSA key"));
    }

    /** A TLS 1.3 suite names no key, and serves a certificate of any. */
    @Test
    void aTls13SuiteServesAnyKey() {
        TlsHandshakeConfig tls13Only = new TlsHandshakeConfig(List.of(), List.of("TLS_AES_128_GCM_SHA256"));
        assertEquals(null, TlsHandshakeBinder.keyMismatch(tls13Only, "EC"));
        assertEquals(null, TlsHandshakeBinder.keyMismatch(tls13Only, "RSA"));
    }

    // ---- canary, consistent-hash ----

    /** A space inside a value and ~ are printable ASCII; DEL is not. */
    @Test
    void aCanaryHeaderValueIsPrintableAsciiInclusive() {
        String canary = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] }, beta { endpoints = ["127.0.0.1:8082"] } }
                  routes = [ { upstream = app, canary { upstream = beta, percent = 5, by-header = X-Canary,
                               by-header-value = %s } } ]
                }
                """;
        assertEquals("a b~", HoconFiles.load(dir, canary.formatted("\"a b~\"")).routes().get(0).canary().orElseThrow()
                .byHeaderValue().orElseThrow());
        List<String> del = problemsOf(canary.formatted("\"a\\u007f\""));
        assertEquals(List.of("rampart.routes[0].canary.by-header-value: expected a header value of printable ASCII"
                + " without leading or trailing spaces, got \"a\\u007f\"" + at(4)), del);
    }

    /** A balance factor of 100 is the lowest allowed, not refused. */
    @Test
    void aBalanceFactorOf100IsAccepted() {
        ConsistentHashConfig hash = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"], load-balancing = consistent-hash,
                                    consistent-hash { balance-factor = 100 } } }
                  routes = [ { upstream = app } ]
                }
                """).upstreams().get("app").consistentHash().orElseThrow();
        assertEquals(100, hash.balanceFactor());
    }

    // ---- compression ----

    /** Text/* takes every text type, parameters aside, and no type that only starts so. */
    @Test
    void aTypeWildcardTakesItsSubtypes() {
        CompressionConfig compression = onlyRoute("{ upstream = app, compression { types = [\"text/*\"] } }")
                .compression().orElseThrow();
        assertTrue(compression.compressesContentType("text/html; charset=utf-8"));
        assertTrue(compression.compressesContentType("TEXT/CSS"));
        assertFalse(compression.compressesContentType("textual/html"));
        assertFalse(compression.compressesContentType("application/json"));
    }

    // ---- warnings ----

    /** Every video and audio type, and image/*, font/*, application/*. */
    @Test
    void compressedFamiliesAreWarnedOf() {
        assertEquals(List.of("route \"r\": compression.types lists video/mp4, audio/mpeg, which take bodies that are"
                + " compressed already (images, video, audio, fonts, archives): gzip costs CPU on them and saves"
                + " nothing; list the text types"), warnings("compression { types = [\"video/mp4\", \"audio/mpeg\","
                + " \"text/html\"] }"));
        assertEquals(List.of("route \"r\": compression.types lists image/*, which takes bodies that are compressed"
                + " already (images, video, audio, fonts, archives): gzip costs CPU on them and saves nothing; list the"
                + " text types"), warnings("compression { types = [\"image/*\"] }"));
        assertEquals(List.of("route \"r\": compression.types lists font/*, application/*, which take bodies that are"
                + " compressed already (images, video, audio, fonts, archives): gzip costs CPU on them and saves"
                + " nothing; list the text types"), warnings("compression { types = [\"font/*\", \"application/*\"] }"));
    }

    /** Setting or adding the idempotency key's header gives every request the same key. */
    @Test
    void aFixedIdempotencyKeyIsWarnedOf() {
        String expected = "route \"r\": request-headers give every request the idempotency key header Idempotency-Key"
                + " (retry.idempotency-key-header): an upstream that deduplicates by it would take every request for"
                + " the first, and answer them all with its result";
        assertEquals(List.of(expected), warnings("request-headers { set { Idempotency-Key = x } }"));
        assertEquals(List.of(expected), warnings("request-headers { add { idempotency_key = x } }"));
        assertEquals(List.of(), warnings("request-headers { add { X-Other = x } }"));
    }

    /** Only a rule that sets or removes Vary drops what cors put in it. */
    @Test
    void onlyARuleOnVaryIsWarnedOfOnACorsRoute() {
        assertEquals(List.of(), warnings("cors { allow-origins = [\"*\"] }, response-headers { set { X-A = b } }"));
        assertEquals(1, warnings("cors { allow-origins = [\"*\"] }, response-headers { set { vary = b } }").size());
    }

    /** A route without match.methods takes POST, and retries it unsafely when told to. */
    @Test
    void aRouteWithoutMethodsIsWarnedOfRetryingPost() {
        assertEquals(List.of("route \"r\": retries POST on reset without an idempotency key (POST is in"
                        + " retry.idempotent-methods); a POST the upstream already applied may be applied twice"),
                warnings("retry { attempts = 3, on = [connect-failure, reset], idempotent-methods = [GET, POST] }"));
    }

    // ---- rewrite replacement, respond ----

    /** A replacement's %XX escape is complete and hexadecimal. */
    @Test
    void aReplacementWithABrokenEscapeIsRefused() {
        for (String replacement : List.of("/b%4", "/b%", "/b%4g", "/b%g4")) {
            List<String> problems = routeProblems(withRoutes("{ name = api, upstream = app, rewrite { regex = \"^/a\","
                    + " replacement = \"" + replacement + "\" } }"));
            assertEquals(List.of("rampart.routes[0].rewrite.replacement: expected URI path characters (others as %XX,"
                    + " a literal $ as %24) and group references $1 or ${name}, got \"" + replacement + "\""), problems,
                    replacement);
        }
    }

    /** The ends of the letter and digit ranges are path characters. */
    @Test
    void aReplacementOfTheEdgeLettersAndDigitsIsAccepted() {
        RouteConfig route = onlyRoute("{ upstream = app, rewrite { regex = \"^/a\", replacement = \"/azAZ09\" } }");
        assertEquals("/azAZ09", ((PathRewrite.RegexRewrite) route.rewrite().orElseThrow()).replacement());
    }

    /** A regex that does not compile is a problem, not an exception, beside a replacement. */
    @Test
    void aRewriteRegexThatDoesNotCompileIsAProblem() {
        List<String> problems = routeProblems(withRoutes("{ name = api, upstream = app, rewrite { regex = \"^/(a\","
                + " replacement = \"/b\" } }"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].rewrite.regex: "), problems.get(0));
    }

    /** 204, 205 and 304 have no body. */
    @Test
    void aRespondBodyOnEveryNoContentStatusIsWarnedOf() {
        for (int status : List.of(204, 205, 304)) {
            List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                    rampart {
                      upstreams { app { endpoints = ["127.0.0.1:8081"], max-concurrent-requests = 512 } }
                      routes = [ { name = r, respond { status = %d, body = "x" } } ]
                    }
                    """.formatted(status), "test.conf", Map.of()));
            assertEquals(List.of("route \"r\": respond.status " + status + " has no body, so respond.body is never sent"),
                    warnings, "status " + status);
        }
    }
}
