package dev.rampart.core.config;

import com.nimbusds.jose.jwk.KeyUse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rampart.core.testing.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route's {@code jwt} block: what it binds to, its defaults, and what is refused before any request. */
class JwtConfigTest extends RejectedConfigSupport {

    private Path jwks() {
        return TestTokens.writePublicKeySet(dir);
    }

    private String route(String jwt) {
        return "{ name = api, upstream = app, jwt { " + jwt + " } }";
    }

    /** The problems of a route with this jwt block, its location left out (they are all on line 4). */
    private List<String> problems(String jwt) {
        return problemsOf(withRoutes(route(jwt))).stream().map(p -> p.replace(at(4), "")).toList();
    }

    @Test
    void aKeySetFileAloneTakesEveryAsymmetricAlgorithmAnyIssuerAndAudienceAndForwardsTheToken() {
        Path file = jwks();
        JwtConfig jwt = onlyRoute(route("jwks-file = \"" + file + "\"")).jwt().orElseThrow();
        assertEquals(new JwksSource.File(file, TestTokens.publicKeySet()), jwt.keys());
        assertEquals(Optional.empty(), jwt.issuer());
        assertEquals(List.of(), jwt.audiences());
        assertEquals(JwtConfig.ASYMMETRIC_ALGORITHMS, jwt.algorithms());
        assertEquals(Duration.ofSeconds(60), jwt.clockSkew());
        assertEquals(Map.of(), jwt.claimHeaders());
        assertTrue(jwt.forwardToken());
        assertEquals(List.of(TokenSource.header("Authorization", "Bearer ")), jwt.tokenSources());
    }

    @Test
    void theTokenIsLookedForInTheHeadersThenTheCookiesGivenAndOnlyThere() {
        String file = "jwks-file = \"" + jwks() + "\", ";
        assertEquals(List.of(TokenSource.header("X-Jwt-Assertion", ""), TokenSource.header("Authorization", "JWT "),
                        TokenSource.cookie("access_token")),
                onlyRoute(route(file + "from-cookies = [access_token], from-headers = [{ name = X-Jwt-Assertion },"
                        + " { name = Authorization, prefix = \"JWT \" }]")).jwt().orElseThrow().tokenSources());
        assertEquals(List.of(TokenSource.cookie("session")),
                onlyRoute(route(file + "from-cookies = [session]")).jwt().orElseThrow().tokenSources());
    }

    @Test
    void requiredClaimsTakeAValueOrAListOfValues() {
        JwtConfig jwt = onlyRoute(route("jwks-file = \"" + jwks() + "\", required-claims { scope = \"orders:read\","
                + " roles = [ops, admin], \"https://example.com/tier\" = 3 }")).jwt().orElseThrow();
        assertEquals(Map.of("scope", List.of("orders:read"), "roles", List.of("ops", "admin"),
                "https://example.com/tier", List.of("3")), jwt.requiredClaims());
        assertEquals(Map.of(), onlyRoute(route("jwks-file = \"" + jwks() + "\"")).jwt().orElseThrow().requiredClaims());
        String file = "jwks-file = \"" + jwks() + "\", ";
        assertEquals(List.of("rampart.routes[0].jwt.required-claims.roles: an empty list requires nothing: leave the"
                + " claim out, or name its values"), problems(file + "required-claims { roles = [] }"));
        assertEquals(List.of("rampart.routes[0].jwt.required-claims.scope: an empty value: a claim is required to have"
                + " something"), problems(file + "required-claims { scope = \"\" }"));
        assertEquals(List.of("rampart.routes[0].jwt.required-claims.scope: one scope per value, without spaces: list"
                + " several as scope = [orders:read, orders:write]"),
                problems(file + "required-claims { scope = \"orders:read orders:write\" }"));
        assertEquals(List.of("rampart.routes[0].jwt.required-claims: an empty block requires nothing: leave it out, or"
                + " name the claims"), problems(file + "required-claims {}"));
        List<String> dotted = problems(file + "required-claims { realm.roles = admin }");
        assertTrue(dotted.get(0).startsWith("rampart.routes[0].jwt.required-claims.realm: expected a value or a list"
                + " of values, got an object"), dotted.toString());
    }

    @Test
    void tokenPlacesMustBeNamesARequestCarriesOnceEachAndNoClaimMayOverwriteOne() {
        String file = "jwks-file = \"" + jwks() + "\", ";
        assertEquals(List.of("rampart.routes[0].jwt.from-headers: an empty list reads no token: leave the key out"
                + " (Authorization: Bearer), or name the headers"), problems(file + "from-headers = []"));
        assertEquals(List.of("rampart.routes[0].jwt.from-cookies: an empty list reads no token: leave the key out, or"
                + " name the cookies"), problems(file + "from-cookies = []"));
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[0].name: missing (expected the header that carries"
                + " the token, e.g. name = X-Jwt-Assertion)"), problems(file + "from-headers = [{ prefix = x }]"));
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[0].name: Cookie cannot carry the token: it carries"
                + " the client's cookies: name the cookie in from-cookies"),
                problems(file + "from-headers = [{ name = Cookie }]"));
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[0].name: Host cannot carry the token: the Host sent"
                + " upstream is chosen by preserve-host (false: the endpoint's host:port; true: the client's)"),
                problems(file + "from-headers = [{ name = Host }]"));
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[1].name: x_jwt is named twice (header names ignore"
                + " case, and _ reads as - to CGI, WSGI and Rack servers)"),
                problems(file + "from-headers = [{ name = X-Jwt }, { name = x_jwt }]"));
        for (String prefix : List.of("B\\tx", " ", " Bearer")) {
            assertEquals(List.of("rampart.routes[0].jwt.from-headers[0].prefix: expected printable ASCII not starting"
                    + " with a space (the text before the token, e.g. \"Bearer \"), got \"" + prefix + "\""),
                    problems(file + "from-headers = [{ name = X-Jwt, prefix = \"" + prefix + "\" }]"), prefix);
        }
        assertEquals(List.of(TokenSource.header("X-Jwt", "Bearer ")), onlyRoute(route(file + "from-headers = [{ name ="
                + " X-Jwt, prefix = \"Bearer   \" }]")).jwt().orElseThrow().tokenSources(), "one space stands for any");
        assertEquals(List.of("rampart.routes[0].jwt.from-cookies[1]: at is named twice"),
                problems(file + "from-cookies = [at, at]"));
        assertEquals(List.of("rampart.routes[0].jwt.from-cookies[0]: expected a cookie name (a token such as"
                + " access_token), got \"a t\""), problems(file + "from-cookies = [\"a t\"]"));
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[0]: expected an object, got \"X-Jwt\""),
                problems(file + "from-headers = [X-Jwt]"));
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: X-Jwt cannot carry a claim: it carries the"
                + " token itself (from-headers)"), problems(file + "from-headers = [{ name = X-Jwt }],"
                + " claim-headers { sub = X-Jwt }"));
    }

    @Test
    void everyKeyBinds() {
        JwtConfig jwt = onlyRoute(route("jwks-file = \"" + jwks() + "\", issuer = \"" + TestTokens.ISSUER
                + "\", audiences = [\"api://orders\"], algorithms = [ES256], clock-skew = 5s, forward-token = false,"
                + " claim-headers {\n sub = X-User-Id\n \"https://example.com/tenant\" = X-Tenant\n }")).jwt()
                .orElseThrow();
        assertEquals(Optional.of(TestTokens.ISSUER), jwt.issuer());
        assertEquals(List.of("api://orders"), jwt.audiences());
        assertEquals(List.of("ES256"), jwt.algorithms());
        assertEquals(Duration.ofSeconds(5), jwt.clockSkew());
        assertEquals(List.of("sub", "https://example.com/tenant"), List.copyOf(jwt.claimHeaders().keySet()));
        assertEquals("X-Tenant", jwt.claimHeaders().get("https://example.com/tenant"));
        assertEquals(false, jwt.forwardToken());
    }

    @Test
    void aKeySetUriIsFetchedEveryFiveMinutesUnlessToldOtherwiseAndIsNotReadWithTheConfig() {
        JwtConfig jwt = onlyRoute(route("jwks-uri = \"https://issuer.test/.well-known/jwks.json\"")).jwt().orElseThrow();
        assertEquals(new JwksSource.Remote(java.net.URI.create("https://issuer.test/.well-known/jwks.json"),
                Duration.ofMinutes(5), Optional.empty()), jwt.keys());
        JwtConfig often = onlyRoute(route("jwks-uri = \"http://127.0.0.1:8200/keys\", jwks-refresh = 30s")).jwt()
                .orElseThrow();
        assertEquals(Duration.ofSeconds(30), ((JwksSource.Remote) often.keys()).refresh());
    }

    @Test
    void aKeySetUriMustBeAnAbsoluteHttpUriWithAHostAndComesAlone() {
        assertEquals(List.of("rampart.routes[0].jwt.jwks-uri: beside jwks-file: take the keys from one of them"),
                problems("jwks-file = \"" + jwks() + "\", jwks-uri = \"https://issuer.test/jwks\""));
        for (String bad : List.of("ftp://issuer.test/jwks", "/jwks.json", "https:///jwks", "issuer.test/jwks")) {
            assertEquals(List.of("rampart.routes[0].jwt.jwks-uri: expected an https:// (or http://) URI with a host name"
                    + " or address (no user or fragment), got \"" + bad + "\""), problems("jwks-uri = \"" + bad + "\""), bad);
        }
        assertEquals(List.of("rampart.routes[0].jwt.jwks-uri: expected an https:// (or http://) URI with a host name"
                + " or address (no user or fragment), got \"https://issuer.test/jwks#<redacted>\""),
                problems("jwks-uri = \"https://issuer.test/jwks#keys\""), "a fragment may hold a token too");
        List<String> unparsable = problems("jwks-uri = \"https://issuer.test/a b\"");
        assertTrue(unparsable.size() == 1 && unparsable.get(0).startsWith("rampart.routes[0].jwt.jwks-uri: expected an"
                + " https:// (or http://) URI, got \"https://issuer.test/a b\" ("), unparsable.toString());
        assertEquals(List.of("rampart.routes[0].jwt.jwks-refresh: expected a duration > 0 (e.g. 250ms, 2s), got \"0s\""),
                problems("jwks-uri = \"https://issuer.test/jwks\", jwks-refresh = 0s"));
    }

    /** A reload's problems are logged: a client secret in a refused URI stays out of them, as once it is taken. */
    @Test
    void aKeySetUriInAProblemIsShownWithoutItsUserinfoOrQuery() throws Exception {
        assertEquals(List.of("rampart.routes[0].jwt.jwks-uri: expected an https:// (or http://) URI with a host name"
                + " or address (no user or fragment), got \"https://<redacted>@issuer.test/jwks?<redacted>\""),
                problems("jwks-uri = \"https://client:PASS-SECRET@issuer.test/jwks?client_secret=Q-SECRET\""));
        List<String> unparsable = problems("jwks-uri = \"https://issuer.test/a b?client_secret=Q-SECRET\"");
        assertTrue(unparsable.size() == 1 && unparsable.get(0).startsWith("rampart.routes[0].jwt.jwks-uri: expected an"
                + " https:// (or http://) URI, got \"https://issuer.test/a b?<redacted>\" ("), unparsable.toString());

        Path ca = dev.rampart.core.testing.TestCertificates.generate(dir, "idp-ca", "idp", "dns:idp.test").certChain();
        String uri = "jwks-uri = \"https://idp.test/jwks?client_secret=Q-SECRET\"";
        List<String> apart = problemsOf(withRoutes("{ name = a, upstream = app, jwt { " + uri
                + ", jwks-trust-cert-chain = \"" + ca + "\" } }\n{ name = b, upstream = app, jwt { " + uri + " } }"));
        assertTrue(apart.size() == 1 && apart.get(0).contains(" for https://idp.test/jwks?<redacted>, and ")
                && !apart.get(0).contains("Q-SECRET"), apart.toString());
    }

    @Test
    void aPrivateCaForAnHttpsKeySetIsAFileOfCertificatesNamedAlikeByEveryRouteOfTheUri() throws Exception {
        Path ca = dev.rampart.core.testing.TestCertificates.generate(dir, "idp-ca", "idp", "dns:idp.test").certChain();
        String uri = "jwks-uri = \"https://idp.test/jwks\", ";
        assertEquals(Optional.of(ca), ((JwksSource.Remote) onlyRoute(route(uri + "jwks-trust-cert-chain = \"" + ca
                + "\"")).jwt().orElseThrow().keys()).trustCertChain());

        assertEquals(List.of("rampart.routes[0].jwt.jwks-trust-cert-chain: is read only with an https:// jwks-uri (a"
                + " plain http fetch checks no certificate)"), problems("jwks-uri = \"http://127.0.0.1:8200/keys\","
                + " jwks-trust-cert-chain = \"" + ca + "\""));
        assertEquals(List.of("rampart.routes[0].jwt.jwks-trust-cert-chain: is read only with jwks-uri (it is what an"
                + " https:// key set's server must chain to; a jwks-file is read from disk)"),
                problems("jwks-file = \"" + jwks() + "\", jwks-trust-cert-chain = \"" + ca + "\""));
        Path absent = dir.resolve("absent.pem");
        assertEquals(List.of("rampart.routes[0].jwt.jwks-trust-cert-chain: expected an existing file, got \"" + absent
                + "\""), problems(uri + "jwks-trust-cert-chain = \"" + absent + "\""));
        List<String> notPem = problems(uri + "jwks-trust-cert-chain = \"" + jwks() + "\"");
        assertTrue(notPem.size() == 1 && notPem.get(0).startsWith("rampart.routes[0].jwt.jwks-trust-cert-chain: "),
                notPem.toString());

        String trusting = "{ name = a, upstream = app, jwt { " + uri + "jwks-trust-cert-chain = \"" + ca + "\" } }";
        List<String> apart = problemsOf(withRoutes(trusting + "\n{ name = b, upstream = app, jwt { " + uri
                + "} }"));
        assertEquals(1, apart.size(), apart.toString());
        assertTrue(apart.get(0).startsWith("rampart.routes[1].jwt.jwks-trust-cert-chain: trusts the JVM's trust store"
                + " for https://idp.test/jwks, and rampart.routes[0], which names the same jwks-uri, trusts " + ca
                + ": routes that name one jwks-uri share its key set, so they name the same jwks-trust-cert-chain"),
                apart.get(0));
        assertEquals(2, HoconFiles.load(dir, withRoutes(trusting + "\n" + trusting.replace("name = a", "name = b")))
                .routes().size(), "the same file on both");
    }

    @Test
    void aMissingFileOneThatIsNoKeySetOrHoldsAPrivateSharedOrWeakKeyIsRefused() throws Exception {
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: missing (expected the path of a JSON Web Key Set file,"
                + " or jwks-uri: the issuer's public keys, as its jwks_uri serves them)"), problems("issuer = x"));
        Path absent = dir.resolve("absent.json");
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: expected an existing file, got \"" + absent + "\""),
                problems("jwks-file = \"" + absent + "\""));
        Path text = Files.writeString(dir.resolve("pem.json"), "-----BEGIN PUBLIC KEY-----");
        List<String> notJson = problems("jwks-file = \"" + text + "\"");
        assertTrue(notJson.size() == 1 && notJson.get(0).startsWith("rampart.routes[0].jwt.jwks-file: " + text
                + " is not a JSON Web Key Set ({\"keys\": [...]}): "), notJson.toString());
        Path secret = Files.writeString(dir.resolve("private.json"), TestTokens.privateKeySet());
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + secret + " holds a private key (kid rsa-1): give"
                + " the proxy the public keys only, which can check a signature but not make one"),
                problems("jwks-file = \"" + secret + "\""));
        Path empty = Files.writeString(dir.resolve("empty.json"), "{\"keys\": []}");
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + empty + " holds no RSA or EC public key for"
                + " signatures by ES256"), problems("jwks-file = \"" + empty + "\", algorithms = [ES256]"));
        Path shared = Files.writeString(dir.resolve("oct.json"), "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"h\","
                + " \"k\": \"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0\"}]}");
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + shared + " holds a shared-secret key (kid h): a"
                + " secret that checks tokens can also make them; only RSA and EC public keys are taken"),
                problems("jwks-file = \"" + shared + "\""));
        Path weak = Files.writeString(dir.resolve("weak.json"), new com.nimbusds.jose.jwk.JWKSet(
                new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("old").generate().toPublicJWK())
                .toString());
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + weak + " holds an RSA key of 1024 bits (kid old):"
                + " signatures by keys under 2048 bits can be forged"), problems("jwks-file = \"" + weak + "\""));
        Path weakForEncryption = Files.writeString(dir.resolve("weak-enc.json"), "{\"keys\": ["
                + new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(2048).keyID("sig").keyUse(KeyUse.SIGNATURE).generate()
                        .toPublicJWK()
                + ", " + new com.nimbusds.jose.jwk.gen.RSAKeyGenerator(1024, true).keyID("enc").keyUse(KeyUse.ENCRYPTION)
                        .generate().toPublicJWK() + "]}");
        assertEquals(2, com.nimbusds.jose.jwk.JWKSet.parse(((JwksSource.File) onlyRoute(route("jwks-file = \""
                + weakForEncryption + "\"")).jwt().orElseThrow().keys()).jwks()).size(),
                "a short key for encryption checks no token: the set is taken");
    }

    @Test
    void aKeySetWithNoKeyForTheAlgorithmsAnEmptyAudienceListAndRulesOnAClaimHeaderAreRefused() throws Exception {
        String file = "jwks-file = \"" + jwks() + "\"";
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + jwks() + " holds no RSA or EC public key for"
                + " signatures by ES384"), problems(file + ", algorithms = [ES384]"), "the set's EC key is P-256");
        Path encryption = Files.writeString(dir.resolve("enc.json"), "{\"keys\": [" + new com.nimbusds.jose.jwk.gen
                .RSAKeyGenerator(2048).algorithm(com.nimbusds.jose.JWEAlgorithm.RSA_OAEP_256).generate().toPublicJWK()
                + "]}");
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + encryption + " holds no RSA or EC public key for"
                + " signatures by " + String.join(", ", JwtConfig.ASYMMETRIC_ALGORITHMS)),
                problems("jwks-file = \"" + encryption + "\""), "a key for RSA-OAEP-256 encryption checks no signature");
        assertEquals(List.of("rampart.routes[0].jwt.audiences: an empty list would check nothing: name the audiences,"
                + " or leave the key out"), problems(file + ", audiences = []"));
        List<String> rules = problemsOf(withRoutes("{ name = api, upstream = app, request-headers { remove = [X_User] },"
                + " jwt { " + file + ", claim-headers { sub = X-User } } }"));
        assertEquals(List.of("rampart.routes[0].request-headers: X-User carries the claim sub (jwt.claim-headers),"
                + " which only the proxy sets: a rule cannot change it" + at(4)), rules);
    }

    @Test
    void symmetricAndUnsignedAlgorithmsAndClaimHeadersTheProxyOwnsAreRefused() {
        String file = "jwks-file = \"" + jwks() + "\", ";
        assertEquals(List.of(
                "rampart.routes[0].jwt.algorithms[0]: HS256 is refused: a shared secret that checks tokens can also"
                        + " make them; use one of " + String.join(", ", JwtConfig.ASYMMETRIC_ALGORITHMS),
                "rampart.routes[0].jwt.algorithms[1]: none is refused: an unsigned token proves nothing; use one of "
                        + String.join(", ", JwtConfig.ASYMMETRIC_ALGORITHMS),
                "rampart.routes[0].jwt.algorithms[2]: expected one of " + String.join(", ",
                        JwtConfig.ASYMMETRIC_ALGORITHMS) + ", got \"rs256\""),
                problems(file + "algorithms = [HS256, none, rs256]"));
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: Authorization cannot carry a claim: it carries"
                        + " the token itself"),
                problems(file + "claim-headers { sub = Authorization }"));
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: X-Request-Id cannot carry a claim: set by the"
                        + " proxy to the request id (request-id.header)"),
                problems(file + "claim-headers { sub = X-Request-Id }"));
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: X-User already carries the claim email (header"
                        + " names ignore case, and _ reads as - to CGI, WSGI and Rack servers)"),
                problems(file + "claim-headers { sub = X-User, email = X_User }"), "keys on one line go in name order");
        List<String> dotted = problems(file + "claim-headers { realm.roles = X-Roles }");
        assertTrue(dotted.get(0).startsWith("rampart.routes[0].jwt.claim-headers.realm: expected a header name, got an"
                + " object"), dotted.toString());
        assertEquals(List.of("rampart.routes[0].jwt.algorithms: an empty list takes no token: leave the key out for"
                + " every asymmetric algorithm"), problems(file + "algorithms = []"));
    }

    @Test
    void theEffectiveConfigWritesTheBlockAndReadsBackTheSame() {
        RampartConfig config = HoconFiles.load(dir, withRoutes(route("jwks-file = \"" + jwks() + "\", issuer = x,"
                + " from-headers = [{ name = X-Jwt, prefix = \"JWT \" }], from-cookies = [at],"
                + " required-claims { scope = \"a:b\", \"https://example.com/roles\" = [x, y] },"
                + " claim-headers { \"https://example.com/tenant\" = X-Tenant }")));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("jwks-file") && rendered.contains("\"https://example.com/tenant\" = \"X-Tenant\""),
                rendered);
        assertTrue(!rendered.contains("\"kty\""), "the key set itself is not printed");
        assertEquals(config.routes(), HoconFiles.load(dir, rendered).routes());

        Path ca = dev.rampart.core.testing.TestCertificates.generate(dir, "ca", "idp", "dns:idp.test").certChain();
        RampartConfig remote = HoconFiles.load(dir, withRoutes(route("jwks-uri = \"https://idp.test/jwks\","
                + " jwks-trust-cert-chain = \"" + ca + "\"")));
        RampartConfig withSecret = HoconFiles.load(dir, withRoutes(route("jwks-uri ="
                + " \"https://idp.test/jwks?access_token=QSECRET\"")));
        String json = EffectiveConfigRenderer.renderJson(withSecret);
        assertTrue(json.contains("https://idp.test/jwks?<redacted>") && !json.contains("QSECRET"),
                "/admin/routes shows no query, which may carry a credential: " + json);
        assertTrue(EffectiveConfigRenderer.render(withSecret).contains("QSECRET"), "--check shows the file as it is");
        String rendersTrust = EffectiveConfigRenderer.render(remote);
        assertTrue(rendersTrust.contains("jwks-trust-cert-chain"), rendersTrust);
        assertEquals(remote.routes(), HoconFiles.load(dir, rendersTrust).routes());
    }
}
