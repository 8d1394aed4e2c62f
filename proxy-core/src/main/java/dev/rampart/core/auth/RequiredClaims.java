package dev.rampart.core.auth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.rampart.core.config.JwtConfig;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Whether a token's claims have what a route's {@code jwt.required-claims} names: every value of every claim. A
 * list claim ({@code roles: ["admin", "ops"]}) has a value when it holds it; {@code scope} and {@code scp}, which
 * OAuth writes as one string of space-separated scopes (RFC 8693 §4.2), when one of them is it; any other claim
 * when it is the value (a number or boolean as JSON writes it).
 */
final class RequiredClaims {

    private RequiredClaims() {
    }

    static boolean hold(Map<String, List<String>> required, JWTClaimsSet claims) {
        for (Map.Entry<String, List<String>> entry : required.entrySet()) {
            Object claim = claims.getClaim(entry.getKey());
            for (String value : entry.getValue()) {
                if (!has(entry.getKey(), claim, value)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean has(String name, Object claim, String value) {
        if (claim instanceof Collection<?> list) {
            return list.stream().anyMatch(element -> scalar(element, value));
        }
        if (claim instanceof String text && JwtConfig.SCOPE_CLAIMS.contains(name)) {
            for (String scope : text.split(" ")) {
                if (scope.equals(value)) {
                    return true;
                }
            }
            return false;
        }
        return scalar(claim, value);
    }

    private static boolean scalar(Object claim, String value) {
        return (claim instanceof String || claim instanceof Number || claim instanceof Boolean)
                && claim.toString().equals(value);
    }
}
