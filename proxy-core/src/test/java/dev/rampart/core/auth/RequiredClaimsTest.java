package dev.rampart.core.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RequiredClaims}: what has a required value, for each shape a claim comes in. */
class RequiredClaimsTest {

    private static boolean hold(Map<String, List<String>> required, JWTClaimsSet.Builder claims) {
        return RequiredClaims.hold(required, claims.build());
    }

    @Test
    void scopeAndScpAreSpaceSeparatedListsAndOtherTextIsComparedWhole() {
        Map<String, List<String>> write = Map.of("scope", List.of("orders:write"));
        assertTrue(hold(write, new JWTClaimsSet.Builder().claim("scope", "orders:read orders:write")));
        assertFalse(hold(write, new JWTClaimsSet.Builder().claim("scope", "orders:writer orders:read")));
        assertTrue(hold(Map.of("scp", List.of("a")), new JWTClaimsSet.Builder().claim("scp", "b a")));
        assertTrue(hold(write, new JWTClaimsSet.Builder().claim("scope", List.of("orders:write"))), "scope as a list");
        assertFalse(hold(Map.of("name", List.of("Ann")), new JWTClaimsSet.Builder().claim("name", "Ann Lee")),
                "only scope and scp are split");
        assertTrue(hold(Map.of("name", List.of("Ann Lee")), new JWTClaimsSet.Builder().claim("name", "Ann Lee")));
    }

    @Test
    void aListHoldsEachValueRequiredAndNumbersAndBooleansReadAsJsonWritesThem() {
        Map<String, List<String>> both = Map.of("roles", List.of("ops", "admin"));
        assertTrue(hold(both, new JWTClaimsSet.Builder().claim("roles", List.of("admin", "dev", "ops"))));
        assertFalse(hold(both, new JWTClaimsSet.Builder().claim("roles", List.of("ops"))), "every value is required");
        assertFalse(hold(both, new JWTClaimsSet.Builder().claim("roles", "ops admin")), "a role string is not split");
        assertTrue(hold(Map.of("tier", List.of("3")), new JWTClaimsSet.Builder().claim("tier", 3)));
        assertTrue(hold(Map.of("email_verified", List.of("true")),
                new JWTClaimsSet.Builder().claim("email_verified", true)));
        assertFalse(hold(Map.of("tier", List.of("3")), new JWTClaimsSet.Builder()), "a missing claim has nothing");
        assertFalse(hold(Map.of("org", List.of("x")), new JWTClaimsSet.Builder().claim("org", Map.of("id", "x"))),
                "an object has no value");
        assertTrue(hold(Map.of(), new JWTClaimsSet.Builder()), "nothing required");
    }
}
