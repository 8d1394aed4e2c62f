package dev.rampart.core.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;

import java.util.List;

/**
 * What a key set for {@code jwt} must be, whether read from a {@code jwks-file} with the config or fetched from a
 * {@code jwks-uri} while the proxy runs: public RSA or EC signature keys only (a secret or private key that checks
 * tokens can also make them), RSA keys of at least 2048 bits, and one key at least that checks the route's
 * algorithms.
 */
public final class KeySetRules {

    /** NIST's floor since 2015, and Nimbus's for signing. */
    public static final int MIN_RSA_BITS = 2048;
    /** Larger than any real key set; a bigger file or response is the wrong one. */
    public static final int MAX_JWKS_BYTES = 1 << 20;

    private KeySetRules() {
    }

    /**
     * What is wrong with {@code keys} for signatures by {@code algorithms}, as a phrase that follows the key set's
     * name ("holds a private key (kid a): ..."); null when nothing is.
     */
    public static String problemWith(JWKSet keys, List<String> algorithms) {
        boolean usable = false;
        for (JWK key : keys.getKeys()) {
            String named = key.getKeyID() == null ? "" : " (kid " + key.getKeyID() + ")";
            if (KeyType.OCT.equals(key.getKeyType())) {
                return "holds a shared-secret key" + named + ": a secret that checks tokens can also make them; only"
                        + " RSA and EC public keys are taken";
            }
            if (key.isPrivate()) {
                return "holds a private key" + named + ": give the proxy the public keys only, which can check a"
                        + " signature but not make one";
            }
            // A key for encryption checks no signature, whatever its size (Keycloak and WSO2 publish one beside the
            // signing keys): judging it would refuse the set for a key no token is checked with.
            if (key instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS && !KeyUse.ENCRYPTION.equals(key.getKeyUse())) {
                return "holds an RSA key of " + rsa.size() + " bits" + named + ": signatures by keys under "
                        + MIN_RSA_BITS + " bits can be forged";
            }
            usable |= checks(key, algorithms);
        }
        return usable ? null : "holds no RSA or EC public key for signatures by " + String.join(", ", algorithms);
    }

    /** Whether {@code key} can check signatures by one of {@code algorithms}: its type, curve, use and alg agree. */
    private static boolean checks(JWK key, List<String> algorithms) {
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        for (String name : algorithms) {
            JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
            boolean fits = key instanceof RSAKey ? JWSAlgorithm.Family.RSA.contains(algorithm)
                    : key instanceof ECKey ec && ec.getCurve() != null
                            && Curve.forJWSAlgorithm(algorithm) != null && Curve.forJWSAlgorithm(algorithm).contains(ec.getCurve());
            if (fits && (key.getAlgorithm() == null || key.getAlgorithm().getName().equals(name))) {
                return true;
            }
        }
        return false;
    }
}
