package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.rampart.core.testing.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A route's {@code jwt} block at its edges: a misspelt key, a claim header or token header that is no header name,
 * an empty issuer, audience or claim name, the key set file's size bound, and key sets whose keys can check no
 * token of the algorithms allowed.
 */
class JwtBindingEdgesTest extends RejectedConfigSupport {

    private String jwt(String body) {
        return withRoutes("{ name = api, upstream = app, jwt { jwks-file = \"" + TestTokens.writePublicKeySet(dir)
                + "\", " + body + " } }");
    }

    // ---- jwt ----

    /** A misspelt audiences would leave the route taking tokens for any audience. */
    @Test
    void aMisspeltKeyInTheJwtBlockIsAnUnknownKey() {
        assertEquals(List.of("rampart.routes[0].jwt.audience: unknown key (did you mean \"audiences\"?)"),
                routeProblems(jwt("audience = [api]")));
    }

    /** A claim's header must be a token, or the request head the proxy writes is broken. */
    @Test
    void aClaimHeaderThatIsNoHeaderNameIsRefused() {
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: expected a header name (a token such as"
                + " X-User-Id), got \"X User\""), routeProblems(jwt("claim-headers { sub = \"X User\" }")));
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: expected a header name (a token such as"
                + " X-User-Id), got \"X-User:\""), routeProblems(jwt("claim-headers { sub = \"X-User:\" }")));
    }

    /** A claim header that is no string is a problem, not a NullPointerException. */
    @Test
    void aClaimHeaderThatIsAListIsAProblem() {
        assertEquals(List.of("rampart.routes[0].jwt.claim-headers.sub: expected a string, got [\"X-User\"]"),
                routeProblems(jwt("claim-headers { sub = [X-User] }")));
    }

    /** An empty or blank issuer would refuse every token. */
    @Test
    void anEmptyOrBlankIssuerIsRefused() {
        String expected = "rampart.routes[0].jwt.issuer: an empty issuer matches no token: leave the key out to"
                + " accept any issuer";
        assertEquals(List.of(expected), routeProblems(jwt("issuer = \"\"")));
        assertEquals(List.of(expected), routeProblems(jwt("issuer = \"  \"")));
    }

    /** An empty audience is refused, not kept as one no token has. */
    @Test
    void anEmptyAudienceIsRefused() {
        assertEquals(List.of("rampart.routes[0].jwt.audiences[0]: an empty audience"),
                routeProblems(jwt("audiences = [\"\", api]")));
    }

    /** A required claim has a name; a scope with a space at its start is no one scope. */
    @Test
    void aRequiredClaimWithoutANameOrAScopeStartingWithASpaceIsRefused() {
        assertEquals(List.of("rampart.routes[0].jwt.required-claims.\"\": a claim has a name"),
                routeProblems(jwt("required-claims { \"\" = x }")));
        assertEquals(List.of("rampart.routes[0].jwt.required-claims.scope: one scope per value, without spaces:"
                + " list several as scope = [read]"), routeProblems(jwt("required-claims { scope = \" read\" }")));
    }

    /** The 1 MiB bound of a key set file is inclusive, and checked before the file is read. */
    @Test
    void aKeySetFileOfMoreThanOneMebibyteIsRefusedUnread() throws IOException {
        Path big = dir.resolve("big.json");
        String route = "{ name = api, upstream = app, jwt { jwks-file = \"" + big + "\" } }";
        Files.writeString(big, "{\"keys\": []}" + " ".repeat(1024 * 1024 - 11));
        assertEquals(List.of("rampart.routes[0].jwt.jwks-file: " + big + " is larger than 1 MiB: not a key set"),
                routeProblems(withRoutes(route)));
        Files.writeString(big, "{\"keys\": []}" + " ".repeat(1024 * 1024 - 12)); // exactly 1 MiB: read, and judged
        List<String> atTheBound = routeProblems(withRoutes(route));
        assertEquals(1, atTheBound.size(), atTheBound.toString());
        assertTrue(atTheBound.get(0).contains("holds no RSA or EC public key"), atTheBound.get(0));
    }

    // ---- jwt token sources and key sets ----

    /** A misspelt prefix would leave the token read with "Bearer " in front. */
    @Test
    void aMisspeltKeyInAFromHeadersEntryIsAnUnknownKey() {
        assertEquals(List.of("rampart.routes[0].jwt.from-headers[0].prefx: unknown key (did you mean \"prefix\"?)"),
                routeProblems(jwt("from-headers = [{ name = X-Token, prefx = \"Bearer \" }]")));
    }

    /** A from-headers name must be a header name. */
    @Test
    void aFromHeadersNameThatIsNoHeaderNameIsRefused() {
        List<String> problems = routeProblems(jwt("from-headers = [{ name = \"X Token\" }]"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].jwt.from-headers[0].name: "), problems.get(0));
        assertTrue(problems.get(0).contains("X Token"), problems.get(0));
    }

    private String keySetRoute(String jwks, String algorithms) throws IOException {
        Path file = dir.resolve("keys.json");
        Files.writeString(file, jwks);
        return "{ name = api, upstream = app, jwt { jwks-file = \"" + file + "\"" + algorithms + " } }";
    }

    /** A key for encryption checks no signature. */
    @Test
    void aKeySetOfAnEncryptionKeyOnlyIsRefused() throws Exception {
        String enc = new JWKSet(new RSAKeyGenerator(2048).keyUse(KeyUse.ENCRYPTION).generate().toPublicJWK()).toString();
        List<String> problems = routeProblems(withRoutes(keySetRoute(enc, "")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("holds no RSA or EC public key for signatures by"), problems.get(0));
        String sig = new JWKSet(new RSAKeyGenerator(2048).keyUse(KeyUse.SIGNATURE).generate().toPublicJWK()).toString();
        assertTrue(onlyRoute(keySetRoute(sig, "")).jwt().isPresent(), "the same key for signatures is taken");
    }

    /** An EC key checks only its curve's algorithm, a key with an alg only that one. */
    @Test
    void aKeySetWhoseKeysFitNoneOfTheAlgorithmsIsRefused() throws Exception {
        String p384 = new JWKSet(new ECKeyGenerator(Curve.P_384).generate().toPublicJWK()).toString();
        List<String> wrongCurve = routeProblems(withRoutes(keySetRoute(p384, ", algorithms = [ES256]")));
        assertEquals(1, wrongCurve.size(), wrongCurve.toString());
        assertTrue(wrongCurve.get(0).contains("holds no RSA or EC public key for signatures by ES256"), wrongCurve.get(0));
        String rs256 = new JWKSet(new RSAKeyGenerator(2048).algorithm(JWSAlgorithm.RS256).generate().toPublicJWK())
                .toString();
        List<String> wrongAlg = routeProblems(withRoutes(keySetRoute(rs256, ", algorithms = [PS256]")));
        assertEquals(1, wrongAlg.size(), wrongAlg.toString());
        assertTrue(wrongAlg.get(0).contains("holds no RSA or EC public key for signatures by PS256"), wrongAlg.get(0));
    }
}
