package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A route's {@code jwt} through real sockets: a request without a valid bearer token is answered 401 with the
 * envelope and a {@code WWW-Authenticate} challenge and never reaches the upstream; one with a valid token goes
 * on with its claims in headers only the proxy sets. A route may look for the token in other headers and in cookies
 * instead.
 */
class JwtTest {

    @TempDir
    Path dir;

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("secret"));
    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        String jwt = "jwks-file = \"" + TestTokens.writePublicKeySet(dir) + "\", issuer = \"" + TestTokens.ISSUER
                + "\", audiences = [\"" + TestTokens.AUDIENCE + "\"], claim-headers { sub = X-User-Id }";
        proxy = ProxyHarness.start(ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = api, match { path-prefix = \"/api\" }, upstream = app, jwt { " + jwt + " },"
                        + " rate-limit { requests-per-second = 0.001, burst = 1 },"
                        + " cors { allow-origins = [\"https://app.test\"], allow-headers = [Authorization] } }\n"
                        + "{ name = internal, match { path-prefix = \"/internal\" }, upstream = app,"
                        + " jwt { " + jwt + ", forward-token = false } }\n"
                        + "{ name = browser, match { path-prefix = \"/browser\" }, upstream = app, jwt { " + jwt
                        + ", from-headers = [{ name = X-Jwt-Assertion }], from-cookies = [access_token],"
                        + " forward-token = false } }\n"
                        + "{ name = session, match { path-prefix = \"/session\" }, upstream = app, jwt { " + jwt
                        + ", from-headers = [{ name = Authorization, prefix = \"Bearer \" }], from-cookies = [sid],"
                        + " forward-token = false } }\n"
                        + "{ name = admin, match { path-prefix = \"/admin\" }, upstream = app, jwt { " + jwt
                        + ", required-claims { scope = \"orders:write\", roles = [ops, admin] } } }"));
    }

    @AfterEach
    void stop() {
        proxy.close();
        upstream.close();
    }

    private RawHttp.Response send(String request) {
        try (RawHttp raw = proxy.raw()) {
            return raw.send(request).read();
        }
    }

    private static String get(String path, String headers) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    }

    @Test
    void withoutATokenOrWithABadOneTheAnswerIs401AndNothingReachesTheUpstream() {
        RawHttp.Response missing = send(get("/internal/a", ""));
        assertEquals(401, missing.status());
        assertEquals("UNAUTHORIZED", Envelope.parse(missing.body()).reason());
        assertEquals("Bearer realm=\"rampart\"", missing.header("www-authenticate"));

        String expired = TestTokens.rs256(TestTokens.claims(Instant.now().minusSeconds(7200))
                .expirationTime(Date.from(Instant.now().minusSeconds(3600))).build());
        for (String authorization : new String[] {"Bearer " + expired, "Bearer not.a.token", "Basic YWxpY2U6cHc=",
                "Bearer " + TestTokens.rs256(TestTokens.claims(Instant.now()).audience("api://billing").build())}) {
            RawHttp.Response refused = send(get("/internal/a", "Authorization: " + authorization + "\r\n"));
            assertEquals(401, refused.status(), authorization);
            assertEquals(authorization.startsWith("Basic") ? "Bearer realm=\"rampart\""
                    : "Bearer realm=\"rampart\", error=\"invalid_token\"", refused.header("www-authenticate"));
        }
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aValidTokensClaimsReachTheUpstreamInHeadersTheClientCannotSetItself() {
        RawHttp.Response ok = send(get("/internal/a", "authorization: bearer " + TestTokens.valid()
                + "\r\nX-User-Id: admin\r\nX_User_Id: admin\r\nx-user-id: root\r\n"));
        assertEquals(200, ok.status(), ok.text());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("alice", seen.header("X-User-Id"));
        assertEquals(1, seen.headers().getAll("X-User-Id").size());
        assertNull(seen.header("X_User_Id"), "the CGI spelling of the claim's header is dropped too");
        assertNull(seen.header("Authorization"), "forward-token = false");

        String chunked = "POST /api/b HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestTokens.valid()
                + "\r\nTransfer-Encoding: chunked\r\nTrailer: X-User-Id\r\n\r\n3\r\nabc\r\n0\r\nX-User-Id: admin\r\n\r\n";
        assertEquals(200, send(chunked).status());
        RecordedRequest posted = upstream.requests().get(1);
        assertEquals("alice", posted.header("X-User-Id"));
        assertEquals(null, posted.trailers().get("X-User-Id"), "nor can a trailer carry it");
        assertTrue(posted.header("Authorization").startsWith("Bearer ey"), "the token goes on by default");
    }

    @Test
    void aTokenWhoseTimesOverflowMillisecondsIsJudgedByTheTimesItWrites() {
        // nbf in 292 million years and exp 584 million years ago: seconds × 1000 wrapped them into the past and
        // into the next hour, and both tokens reached the upstream.
        long inAnHour = Instant.now().plusSeconds(3600).getEpochSecond();
        String notYet = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("nbf", 9_223_372_036_854_776L).build());
        String longExpired = TestTokens.rs256(TestTokens.claims(Instant.now())
                .claim("exp", inAnHour - 18_446_744_073_709_551L).build());
        for (String token : new String[] {notYet, longExpired}) {
            RawHttp.Response refused = send(get("/internal/a", "Authorization: Bearer " + token + "\r\n"));
            assertEquals(401, refused.status(), refused.text());
            assertEquals("UNAUTHORIZED", Envelope.parse(refused.body()).reason());
        }
        assertEquals(0, upstream.requests().size());

        String endOfTime = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("exp", 1e30).build());
        assertEquals(200, send(get("/internal/a", "Authorization: Bearer " + endOfTime + "\r\n")).status(),
                "an exp beyond a long's milliseconds is far ahead, not in 1969");
    }

    @Test
    void aClaimWithASpaceAtAnEndGivesNoHeaderSinceTheUpstreamWouldReadAnotherValue() {
        // An upstream's parser strips the spaces around a value: " admin" (a name an issuer let someone choose)
        // arrived as "admin".
        for (String sub : new String[] {" admin", "admin ", " "}) {
            String token = TestTokens.rs256(TestTokens.claims(Instant.now()).subject(sub).build());
            assertEquals(200, send(get("/internal/a", "Authorization: Bearer " + token + "\r\nX-User-Id: admin\r\n"))
                    .status());
            assertNull(upstream.requests().get(upstream.requests().size() - 1).header("X-User-Id"), "sub '" + sub + "'");
        }
        String inner = TestTokens.rs256(TestTokens.claims(Instant.now()).subject("Ann Lee").build());
        assertEquals(200, send(get("/internal/a", "Authorization: Bearer " + inner + "\r\n")).status());
        assertEquals("Ann Lee", upstream.requests().get(3).header("X-User-Id"), "a space inside is kept");
    }

    @Test
    void aTokenInTheHeadersOrCookiesARouteNamesPassesAndIsTakenOffTheRequest() {
        String valid = TestTokens.valid();
        RawHttp.Response fromCookie = send(get("/browser/a", "Cookie: theme=dark; access_token=" + valid
                + "; lang=en\r\nCookie: session=s1\r\n"));
        assertEquals(200, fromCookie.status(), fromCookie.text());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("alice", seen.header("X-User-Id"));
        assertEquals(List.of("theme=dark; lang=en", "session=s1"), seen.headers().getAll("Cookie"),
                "the token's cookie is taken out, the others go on as they came");

        assertEquals(200, send(get("/browser/a", "X-Jwt-Assertion: " + valid + "\r\n")).status());
        assertNull(upstream.requests().get(1).header("X-Jwt-Assertion"), "forward-token = false");

        RawHttp.Response bearer = send(get("/browser/a", "Authorization: Bearer " + valid + "\r\n"));
        assertEquals(401, bearer.status(), "only the places the route names are looked in");
        assertEquals("Bearer realm=\"rampart\"", bearer.header("www-authenticate"));
        assertEquals(401, send(get("/browser/a", "X-Jwt-Assertion: forged\r\nCookie: access_token=" + valid
                + "\r\n")).status(), "a bad token in one place is not passed over for a good one in another");
        assertEquals(401, send(get("/browser/a", "X-Jwt-Assertion: " + valid + "\r\nCookie: access_token=forged\r\n"))
                .status(), "nor the other way round: an upstream may read either");
        assertEquals(401, send(get("/browser/a", "Cookie: access_token=" + valid + "; access_token=forged\r\n"))
                .status(), "a cookie sent twice is no answer");
        assertEquals(401, send(get("/browser/a", "Cookie: lang=en, access_token=forged; access_token=" + valid + "\r\n"))
                .status(), "nor one sent again after a comma, which a server parsing as RFC 2109 allowed takes first");
        assertEquals(401, send(get("/browser/a", "X-Jwt-Assertion: " + valid + "\r\nX-Jwt-Assertion: forged\r\n"))
                .status(), "nor a header on two lines");
        assertEquals(200, send(get("/browser/a", "X-Jwt-Assertion: " + valid + "\r\nCookie: access_token=" + valid
                + " \r\n")).status(), "two good ones pass; spaces around a cookie's value are not the token's");
        assertEquals(3, upstream.requests().size());
    }

    @Test
    void aTokenInTheQueryIsRefusedRatherThanPassedOnUnchecked() {
        String valid = TestTokens.valid();
        String bearer = "Authorization: Bearer " + valid + "\r\n";
        for (String query : List.of("?access_token=forged", "?a=1&access_token=forged", "?a=1;access_token=forged",
                "?access%5Ftoken=forged", "?access_token", "?q=1&access_token=")) {
            RawHttp.Response refused = send(get("/internal/a" + query, bearer));
            assertEquals(401, refused.status(), query + ": an upstream may read the token there (RFC 6750 §2.3)");
            assertEquals("Bearer realm=\"rampart\", error=\"invalid_token\"", refused.header("www-authenticate"));
        }
        assertEquals(0, upstream.requests().size());
        for (String query : List.of("?access_tokens=x", "?q=access_token", "?my_access_token=x", "",
                "?a%zz=1", "?access_toke%6=x")) {
            assertEquals(200, send(get("/internal/a" + query, bearer)).status(), query + ": not that parameter");
        }
        assertEquals(6, upstream.requests().size());
    }

    @Test
    void withoutForwardTokenAHeaderThatHeldNoTokenGoesOnAsItCame() {
        String valid = TestTokens.valid();
        assertEquals(200, send(get("/session/a", "Cookie: sid=" + valid + "\r\nAuthorization: Basic YWxpY2U6cHc=\r\n"))
                .status());
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("Basic YWxpY2U6cHc=", seen.header("Authorization"), "another scheme's credentials, not a token");
        assertNull(seen.header("Cookie"), "the token's cookie is taken off");

        assertEquals(200, send(get("/session/a", "Authorization: Bearer " + valid + "\r\n")).status());
        assertNull(upstream.requests().get(1).header("Authorization"), "the header that held the token is");
    }

    @Test
    void anotherSpellingOfATokenHeaderNeverReachesTheUpstreamSinceItsTokenWasNotChecked() {
        String valid = TestTokens.valid();
        // CGI, WSGI and Rack servers read X_Jwt_Assertion as X-Jwt-Assertion (HTTP_X_JWT_ASSERTION).
        RawHttp.Response ok = send(get("/browser/a", "X-Jwt-Assertion: " + valid
                + "\r\nX_Jwt_Assertion: forged\r\nx_jwt-ASSERTION: forged\r\n"));
        assertEquals(200, ok.status(), ok.text());
        RecordedRequest seen = upstream.requests().get(0);
        assertNull(seen.header("X_Jwt_Assertion"));
        assertNull(seen.header("x_jwt-assertion"));

        assertEquals(200, send(get("/browser/a", "Cookie: access_token=" + valid + "\r\nX_Jwt_Assertion: forged\r\n"))
                .status(), "with the token in a cookie too");
        assertNull(upstream.requests().get(1).header("X_Jwt_Assertion"));

        String chunked = "POST /browser/b HTTP/1.1\r\nHost: x\r\nCookie: access_token=" + valid
                + "\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Jwt-Assertion: forged\r\n"
                + "X_Jwt_Assertion: forged\r\nX-Other: kept\r\n\r\n";
        assertEquals(200, send(chunked).status());
        RecordedRequest posted = upstream.requests().get(2);
        assertNull(posted.trailers().get("X-Jwt-Assertion"), "a token in a trailer was never checked");
        assertNull(posted.trailers().get("X_Jwt_Assertion"));
        assertEquals("kept", posted.trailers().get("X-Other"));
    }

    @Test
    void aValidTokenWithoutTheRequiredClaimsIsRefused403AndOneWithThemPasses() {
        String withBoth = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("scope", "orders:read orders:write")
                .claim("roles", List.of("admin", "ops", "dev")).build());
        assertEquals(200, send(get("/admin/x", "Authorization: Bearer " + withBoth + "\r\n")).status());

        String readOnly = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("scope", "orders:read")
                .claim("roles", List.of("admin", "ops")).build());
        String oneRole = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("scope", "orders:write")
                .claim("roles", List.of("ops")).build());
        String scopeAsWhole = TestTokens.rs256(TestTokens.claims(Instant.now()).claim("scope", "orders:writer")
                .claim("roles", List.of("admin", "ops")).build());
        for (String token : new String[] {readOnly, oneRole, scopeAsWhole, TestTokens.valid()}) {
            RawHttp.Response refused = send(get("/admin/x", "Authorization: Bearer " + token + "\r\n"));
            assertEquals(403, refused.status());
            assertEquals("INSUFFICIENT_SCOPE", Envelope.parse(refused.body()).reason());
            assertEquals("Bearer realm=\"rampart\", error=\"insufficient_scope\"", refused.header("www-authenticate"));
        }
        assertEquals(403, send(get("/admin/x", "Authorization: Bearer " + readOnly + "\r\n")).status(),
                "remembered with its verdict");
        assertEquals(401, send(get("/admin/x", "Authorization: Bearer forged\r\n")).status());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void aRefusedRequestTakesNoRateLimitTokenAndAPreflightNeedsNoBearerToken() {
        RawHttp.Response preflight = send("OPTIONS /api/a HTTP/1.1\r\nHost: x\r\nOrigin: https://app.test\r\n"
                + "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n\r\n");
        assertEquals(204, preflight.status());
        assertEquals("https://app.test", preflight.header("access-control-allow-origin"));

        RawHttp.Response refused = send(get("/api/a", "Origin: https://app.test\r\n"));
        assertEquals(401, refused.status());
        assertEquals("https://app.test", refused.header("access-control-allow-origin"), "a page can read why");
        send(get("/api/a", "Authorization: Bearer forged\r\n"));
        assertEquals(200, send(get("/api/a", "Authorization: Bearer " + TestTokens.valid() + "\r\n")).status(),
                "the two 401s left the route's one token");
        assertEquals(429, send(get("/api/a", "Authorization: Bearer " + TestTokens.valid() + "\r\n")).status());
    }
}
