package dev.rampart.core.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An issuer of JSON Web Tokens for tests: an RSA and an EC key pair, the public key set a route's
 * {@code jwks-file} holds, and tokens signed with either key. Keys are generated once per JVM (RSA generation
 * takes a while).
 */
public final class TestTokens {

    public static final String ISSUER = "https://issuer.test/";
    public static final String AUDIENCE = "api://orders";

    private static final RSAKey RSA = generateRsa();
    private static final ECKey EC = generateEc();

    private TestTokens() {
    }

    private static RSAKey generateRsa() {
        try {
            return new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ECKey generateEc() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public keys, as an issuer's jwks_uri serves them. */
    public static String publicKeySet() {
        return new JWKSet(List.<JWK>of(RSA.toPublicJWK(), EC.toPublicJWK())).toString();
    }

    /** Only the RSA public key (kid rsa-1): an issuer's set before it rotates to, or after it drops, the EC key. */
    public static String rsaPublicKeySet() {
        return new JWKSet(List.<JWK>of(RSA.toPublicJWK())).toString();
    }

    /** Only the EC public key (kid ec-1). */
    public static String ecPublicKeySet() {
        return new JWKSet(List.<JWK>of(EC.toPublicJWK())).toString();
    }

    /** The key set with the private halves: what an operator must not give the proxy. */
    public static String privateKeySet() {
        return new JWKSet(List.<JWK>of(RSA)).toString(false);
    }

    /** The public key set written to {@code dir/jwks.json}. */
    public static Path writePublicKeySet(Path dir) {
        try {
            return Files.writeString(dir.resolve("jwks.json"), publicKeySet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Claims of a token valid for an hour from {@code now}, for the test issuer and audience, of subject "alice". */
    public static JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder().issuer(ISSUER).audience(AUDIENCE).subject("alice")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(3600)));
    }

    /** A token for {@code claims}, signed RS256 with the RSA key. */
    public static String rs256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.RS256, RSA.getKeyID(), claims, UnaryOperator.identity());
    }

    /** A token for {@code claims}, signed ES256 with the EC key. */
    public static String es256(JWTClaimsSet claims) {
        return sign(JWSAlgorithm.ES256, EC.getKeyID(), claims, UnaryOperator.identity());
    }

    /** A valid RS256 token of now for subject "alice". */
    public static String valid() {
        return rs256(claims(Instant.now()).build());
    }

    /** A token signed as {@code algorithm} (RS* or ES*) with the header {@code header} makes of the default one. */
    public static String sign(JWSAlgorithm algorithm, String keyId, JWTClaimsSet claims,
                              UnaryOperator<JWSHeader.Builder> header) {
        try {
            JWSSigner signer = JWSAlgorithm.Family.EC.contains(algorithm) ? new ECDSASigner(EC) : new RSASSASigner(RSA);
            SignedJWT jwt = new SignedJWT(header.apply(new JWSHeader.Builder(algorithm).keyID(keyId)
                    .type(JOSEObjectType.JWT)).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The RSA public key's encoded bytes: what an alg-confusion attack uses as an HMAC secret. */
    public static byte[] rsaPublicKeyBytes() {
        try {
            return RSA.toRSAPublicKey().getEncoded();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
