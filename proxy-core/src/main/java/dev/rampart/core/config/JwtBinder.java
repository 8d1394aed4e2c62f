package dev.rampart.core.config;

import com.nimbusds.jose.jwk.JWKSet;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds a route's optional {@code jwt} block. A key set file is read and checked now, so that a wrong path, a file
 * that is no key set, or one holding private keys fails {@code --check} rather than every request; a key set URI
 * is checked for its form only, since it is fetched while the proxy runs.
 */
final class JwtBinder {

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
        JwksSource keys = keySource(s, algorithms);
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
        List<TokenSource> tokenSources = TokenSourceBinder.bind(s, requestIdHeader);
        Map<String, String> claimHeaders = claimHeaders(s, requestIdHeader, tokenSources);
        boolean forwardToken = s.bool("forward-token", true);
        Map<String, List<String>> requiredClaims = requiredClaims(s);
        s.finish();
        return new JwtConfig(keys, issuer, audiences, algorithms, clockSkew, claimHeaders, forwardToken, tokenSources,
                requiredClaims);
    }

    /**
     * The file's text when it is a key set of public signature keys, one of which at least can check one of the
     * {@code algorithms}; "" (and a problem) otherwise.
     */
    private static String keySet(ConfigSection s, Path file, List<String> algorithms) {
        try {
            if (Files.size(file) > KeySetRules.MAX_JWKS_BYTES) {
                s.problem("jwks-file", file + " is larger than 1 MiB: not a key set");
                return "";
            }
            String text = Files.readString(file, StandardCharsets.UTF_8);
            String problem = KeySetRules.problemWith(JWKSet.parse(text), algorithms);
            if (problem != null) {
                s.problem("jwks-file", file + " " + problem);
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

    /**
     * Exactly one of {@code jwks-file} and {@code jwks-uri}. A URI must be absolute {@code https} (or {@code http},
     * a warning) with a host; its key set is fetched while the proxy runs, not by {@code --check}.
     */
    private static JwksSource keySource(ConfigSection s, List<String> algorithms) {
        boolean file = s.has("jwks-file");
        boolean uri = s.has("jwks-uri");
        if (file && uri) {
            s.problem("jwks-uri", "beside jwks-file: take the keys from one of them");
        }
        if (!file && !uri) {
            s.problem("jwks-file", "missing (expected the path of a JSON Web Key Set file, or jwks-uri: the issuer's"
                    + " public keys, as its jwks_uri serves them)");
            return new JwksSource.File(Path.of(""), "");
        }
        if (file) {
            if (s.has(TRUST_KEY)) {
                s.problem(TRUST_KEY, "is read only with jwks-uri (it is what an https:// key set's server must"
                        + " chain to; a jwks-file is read from disk)");
            }
            Path path = RampartBinder.readableFile(s, "jwks-file");
            String jwks = Files.isRegularFile(path) && Files.isReadable(path) && !algorithms.isEmpty()
                    ? keySet(s, path, algorithms) : "";
            return new JwksSource.File(path, jwks);
        }
        Duration refresh = s.duration("jwks-refresh", JwksSource.DEFAULT_REFRESH);
        URI location = keySetUri(s);
        Optional<Path> trust = Optional.empty();
        if (s.has(TRUST_KEY)) {
            if ("https".equalsIgnoreCase(location.getScheme())) {
                trust = Optional.of(RampartBinder.trustFile(s, TRUST_KEY));
            } else {
                s.problem(TRUST_KEY, "is read only with an https:// jwks-uri (a plain http fetch checks no"
                        + " certificate)");
            }
        }
        return new JwksSource.Remote(location, refresh, trust);
    }

    /** The key of the private CA an https key set's server is checked against. */
    static final String TRUST_KEY = "jwks-trust-cert-chain";

    private static URI keySetUri(ConfigSection s) {
        String text = s.string("jwks-uri", "");
        // A reload's problems are logged: a client secret written as user:password@ or in the query stays out.
        String shown = UriRedaction.credentialsAndQuery(text);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            s.problem("jwks-uri", "expected an https:// (or http://) URI, got \"" + shown + "\" ("
                    + e.getReason() + ")");
            return URI.create("https://invalid.invalid/");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawFragment() != null) {
            s.problem("jwks-uri", "expected an https:// (or http://) URI with a host name or address (no user or"
                    + " fragment), got \"" + shown + "\"");
        }
        return uri;
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

    /** Claim name to the values it must have: a string, or a non-empty list of them, none empty. */
    private static Map<String, List<String>> requiredClaims(ConfigSection s) {
        Map<String, List<String>> required = new LinkedHashMap<>();
        Optional<ConfigSection> section = s.optionalSection("required-claims");
        if (section.isEmpty()) {
            return required;
        }
        ConfigSection c = section.get();
        if (c.keys().isEmpty()) {
            s.problem("required-claims", "an empty block requires nothing: leave it out, or name the claims");
        }
        for (String claim : c.keys()) {
            ConfigValue value = c.value(claim);
            List<String> values = new ArrayList<>();
            if (claim.isEmpty()) {
                c.problem(claim, "a claim has a name");
                continue;
            }
            if (value.valueType() == ConfigValueType.OBJECT) {
                c.problem(claim, "expected a value or a list of values, got an object (a claim name with a dot in it"
                        + " must be quoted: \"" + claim + ".…\" = value; nested claims are not read)");
                continue;
            }
            if (value.valueType() == ConfigValueType.LIST) {
                List<ConfigValue> elements = c.list(claim).orElse(List.of());
                if (elements.isEmpty()) {
                    c.problem(claim, "an empty list requires nothing: leave the claim out, or name its values");
                }
                c.forEachString(claim, elements, (text, element, path) -> values.add(text));
            } else {
                String text = ValueReader.string(value, c.path(claim), c.problems());
                if (text != null) {
                    values.add(text);
                }
            }
            if (values.stream().anyMatch(String::isEmpty)) {
                c.problem(claim, "an empty value: a claim is required to have something");
            } else if (JwtConfig.SCOPE_CLAIMS.contains(claim) && values.stream().anyMatch(v -> v.indexOf(' ') >= 0)) {
                // The token's scope is split on spaces, so no one scope of it could be "a b".
                c.problem(claim, "one scope per value, without spaces: list several as " + claim + " = ["
                        + String.join(", ", values.stream().flatMap(v -> Arrays.stream(v.trim().split(" +")))
                        .toList()) + "]");
            } else if (!values.isEmpty()) {
                required.put(claim, values);
            }
        }
        c.finish();
        return required;
    }

    /** Claim name to header name; each header a token no route may set otherwise, named once. */
    private static Map<String, String> claimHeaders(ConfigSection s, String requestIdHeader,
                                                    List<TokenSource> tokenSources) {
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
            if (reason == null && tokenSources.stream()
                    .anyMatch(source -> !source.cookie() && HeaderRules.spelling(source.name()).equals(spelled))) {
                reason = "it carries the token itself (from-headers)";
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
