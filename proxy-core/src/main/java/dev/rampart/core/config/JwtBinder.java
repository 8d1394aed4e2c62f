package dev.rampart.core.config;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds a route's optional {@code jwt} block. The key set is read and checked now, so that a wrong path, a file
 * that is no key set, or one holding private keys fails {@code --check} rather than every request.
 */
final class JwtBinder {

    /** NIST's floor since 2015, and Nimbus's for signing. */
    static final int MIN_RSA_BITS = 2048;
    /** Larger than any real key set; a bigger file is the wrong file. */
    static final long MAX_JWKS_BYTES = 1 << 20;

    /** Request headers a claim may not be put in, beyond those no route may set, with the reason. */
    private static final Map<String, String> NOT_FOR_CLAIMS = Map.of(
            "authorization", "it carries the token itself", "cookie", "it carries the client's cookies");

    private JwtBinder() {
    }

    static Optional<JwtConfig> bind(ConfigSection route, String requestIdHeader) {
        return route.optionalSection("jwt").map(s -> jwt(s, requestIdHeader));
    }

    private static JwtConfig jwt(ConfigSection s, String requestIdHeader) {
        List<String> algorithms = algorithms(s);
        Path file = Path.of("");
        String jwks = "";
        if (!s.has("jwks-file")) {
            s.problem("jwks-file", "missing (expected the path of a JSON Web Key Set file: the issuer's public keys,"
                    + " as its jwks_uri serves them)");
        } else {
            file = RampartBinder.readableFile(s, "jwks-file");
            if (Files.isRegularFile(file) && Files.isReadable(file) && !algorithms.isEmpty()) {
                jwks = keySet(s, file, algorithms);
            }
        }
        Optional<String> issuer = s.optionalString("issuer");
        if (issuer.isPresent() && issuer.get().isBlank()) {
            s.problem("issuer", "an empty issuer matches no token: leave the key out to accept any issuer");
        }
        List<String> audiences = new ArrayList<>();
        s.list("audiences").ifPresent(values -> {
            if (values.isEmpty()) {
                s.problem("audiences", "an empty list would check nothing: name the audiences, or leave the key out");
            }
            s.forEachString("audiences", values, (text, value, path) -> {
                if (text.isBlank()) {
                    s.problems().add(path, "an empty audience", value.origin());
                } else {
                    audiences.add(text);
                }
            });
        });
        Duration clockSkew = s.durationOrZero("clock-skew", JwtConfig.DEFAULT_CLOCK_SKEW);
        Map<String, String> claimHeaders = claimHeaders(s, requestIdHeader);
        boolean forwardToken = s.bool("forward-token", true);
        s.finish();
        return new JwtConfig(file, jwks, issuer, audiences, algorithms, clockSkew, claimHeaders, forwardToken);
    }

    /**
     * The file's text when it is a key set of public signature keys, one of which at least can check one of the
     * {@code algorithms}; "" (and a problem) otherwise.
     */
    private static String keySet(ConfigSection s, Path file, List<String> algorithms) {
        try {
            if (Files.size(file) > MAX_JWKS_BYTES) {
                s.problem("jwks-file", file + " is larger than 1 MiB: not a key set");
                return "";
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            JWKSet keys = JWKSet.parse(text);
            boolean usable = false;
            for (JWK key : keys.getKeys()) {
                String named = key.getKeyID() == null ? "" : " (kid " + key.getKeyID() + ")";
                if (KeyType.OCT.equals(key.getKeyType())) {
                    s.problem("jwks-file", file + " holds a shared-secret key" + named + ": a secret that checks"
                            + " tokens can also make them; only RSA and EC public keys are taken");
                    return "";
                }
                if (key.isPrivate()) {
                    s.problem("jwks-file", file + " holds a private key" + named + ": give the proxy the public keys"
                            + " only, which can check a signature but not make one");
                    return "";
                }
                if (key instanceof RSAKey rsa && rsa.size() < MIN_RSA_BITS) {
                    s.problem("jwks-file", file + " holds an RSA key of " + rsa.size() + " bits" + named + ": signatures"
                            + " by keys under " + MIN_RSA_BITS + " bits can be forged");
                    return "";
                }
                usable |= checks(key, algorithms);
            }
            if (!usable) {
                s.problem("jwks-file", file + " holds no RSA or EC public key for signatures by "
                        + String.join(", ", algorithms));
                return "";
            }
            return text;
        } catch (IOException e) {
            s.problem("jwks-file", file + " could not be read: " + e.getMessage());
        } catch (ParseException e) {
            s.problem("jwks-file", file + " is not a JSON Web Key Set ({\"keys\": [...]}): " + e.getMessage());
        }
        return "";
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

    private static List<String> algorithms(ConfigSection s) {
        Optional<List<ConfigValue>> values = s.list("algorithms");
        if (values.isEmpty()) {
            return JwtConfig.ASYMMETRIC_ALGORITHMS;
        }
        List<String> algorithms = new ArrayList<>();
        s.forEachString("algorithms", values.get(), (text, value, path) -> {
            if (JwtConfig.ASYMMETRIC_ALGORITHMS.contains(text)) {
                algorithms.add(text);
            } else if (text.toUpperCase(Locale.ROOT).startsWith("HS") || text.equalsIgnoreCase("none")) {
                s.problems().add(path, text + " is refused: " + (text.equalsIgnoreCase("none")
                        ? "an unsigned token proves nothing" : "a shared secret that checks tokens can also make"
                        + " them") + "; use one of " + String.join(", ", JwtConfig.ASYMMETRIC_ALGORITHMS), value.origin());
            } else {
                s.problems().add(path, "expected one of " + String.join(", ", JwtConfig.ASYMMETRIC_ALGORITHMS)
                        + ", got \"" + text + "\"", value.origin());
            }
        });
        if (values.get().isEmpty()) {
            s.problem("algorithms", "an empty list takes no token: leave the key out for every asymmetric algorithm");
        }
        return algorithms;
    }

    /**
     * A route's {@code request-headers} may not name a claim's header: the claim would silently win over a set,
     * an add or a remove, whatever the rule says.
     */
    static void checkHeaderRules(ConfigSection route, JwtConfig jwt, HeaderRules rules) {
        Set<String> named = rules.spellings();
        jwt.claimHeaders().forEach((claim, header) -> {
            if (named.contains(HeaderRules.spelling(header))) {
                route.problem("request-headers", header + " carries the claim " + claim + " (jwt.claim-headers),"
                        + " which only the proxy sets: a rule cannot change it");
            }
        });
    }

    /** Claim name to header name; each header a token no route may set otherwise, named once. */
    private static Map<String, String> claimHeaders(ConfigSection s, String requestIdHeader) {
        Map<String, String> headers = new LinkedHashMap<>();
        Optional<ConfigSection> section = s.optionalSection("claim-headers");
        if (section.isEmpty()) {
            return headers;
        }
        ConfigSection c = section.get();
        Map<String, String> seen = new HashMap<>();
        for (String claim : c.keys()) {
            ConfigValue value = c.value(claim);
            if (value.valueType() == ConfigValueType.OBJECT) {
                // HOCON reads an unquoted a.b = v as a { b = v }: say so rather than only "got an object".
                c.problem(claim, "expected a header name, got an object (a claim name with a dot in it must be"
                        + " quoted: \"" + claim + ".…\" = X-Header; nested claims are not read)");
                continue;
            }
            String header = ValueReader.string(value, c.path(claim), c.problems());
            if (header == null) {
                continue;
            }
            String spelled = HeaderRules.spelling(header);
            String reason = HeaderRulesBinder.forbiddenRequestHeader(spelled, requestIdHeader);
            if (reason == null) {
                reason = NOT_FOR_CLAIMS.get(spelled);
            }
            if (!RampartBinder.TOKEN.matcher(header).matches()) {
                c.problem(claim, "expected a header name (a token such as X-User-Id), got \"" + header + "\"");
            } else if (reason != null) {
                c.problem(claim, header + " cannot carry a claim: " + reason);
            } else if (seen.putIfAbsent(spelled, claim) != null) {
                c.problem(claim, header + " already carries the claim " + seen.get(spelled)
                        + " (header names ignore case, and _ reads as - to CGI, WSGI and Rack servers)");
            } else {
                headers.put(claim, header);
            }
        }
        c.finish();
        return headers;
    }
}
