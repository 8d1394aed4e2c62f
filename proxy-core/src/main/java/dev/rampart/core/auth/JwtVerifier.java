package dev.rampart.core.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.text.ParseException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks a route's bearer tokens: a JWS (never an unsigned or encrypted token) whose algorithm is one the route
 * takes and whose signature a key of its key set checks (by {@code kid} when the token names one), with an
 * {@code exp} not passed and an {@code nbf} reached (give or take {@code clock-skew}), the route's issuer and one
 * of its audiences; whether its claims have the route's {@code required-claims} is part of the verdict. One per
 * route, kept across reloads that leave its {@code jwt} as it was; thread-safe.
 *
 * <p>A token that passed is remembered until it expires (its time window is checked again on every use), so
 * that a client's next requests cost a lookup rather than a signature check; a reload that changes the route's
 * {@code jwt} makes a new one ({@link JwtVerifiers}), and a {@code jwks-uri} fetch that withdraws a key forgets the
 * tokens it may have checked. What is remembered is bounded by the tokens' total length.
 */
public final class JwtVerifier {

    private static final Logger log = LoggerFactory.getLogger(JwtVerifier.class);

    /** The characters of remembered tokens, about twice that in memory. */
    static final long REMEMBERED_TOKEN_CHARS = 4L << 20;

    /**
     * A token that passed, with the headers its claims give the upstream.
     *
     * @param permitted whether its claims have all the route's {@code required-claims}: a valid token without them
     *                  is refused 403, not 401
     */
    public record Verified(List<Map.Entry<String, String>> claimHeaders, long notBeforeMillis, long expiresMillis,
                           boolean permitted) {
    }

    /** The verdict on a token this thread had no time left to check (see {@link CheckBudget}); not a pass. */
    public static final Verified NOT_CHECKED = new Verified(List.of(), Long.MAX_VALUE, Long.MIN_VALUE, false);
    /** The verdict on a token that needs a check while the route's {@code jwks-uri} has not been fetched; not a pass. */
    public static final Verified KEYS_UNAVAILABLE = new Verified(List.of(), Long.MAX_VALUE, Long.MIN_VALUE, false);

    /**
     * The three dot-separated parts of a JWS in strict base64url, without padding (RFC 7515 §2, §7.1), each
     * in its one canonical spelling: the bits a part's last character has beyond its last byte are zero. A
     * decoder ignores them, so without this one signature had four or sixteen spellings, each a token of its
     * own to remember and check, and to anything downstream that compares tokens as text.
     */
    private static boolean compactForm(String token) {
        int dots = 0;
        int partStart = 0;
        for (int i = 0; i <= token.length(); i++) {
            char c = i < token.length() ? token.charAt(i) : '.';
            if (c == '.') {
                if (++dots > 3 || i == partStart || !canonicalEnd(token, partStart, i)) {
                    return false;
                }
                partStart = i + 1;
            } else if (base64urlValue(c) < 0) {
                return false;
            }
        }
        return dots == 3;
    }

    /** Whether the part ends as RFC 4648 §3.5 wants it: a whole number of bytes, the spare bits zero. */
    private static boolean canonicalEnd(String token, int start, int end) {
        int spare = switch ((end - start) % 4) {
            case 1 -> -1; // six bits: not even one byte
            case 2 -> 0b1111;
            case 3 -> 0b11;
            default -> 0;
        };
        return spare == 0 || spare > 0 && (base64urlValue(token.charAt(end - 1)) & spare) == 0;
    }

    private static int base64urlValue(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }

    private final JwtConfig config;
    private final RemoteKeySet remote;
    private final Clock clock;
    private final CheckBudget budget;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final Cache<String, Remembered> remembered = Caffeine.newBuilder()
            .maximumWeight(REMEMBERED_TOKEN_CHARS)
            .weigher((String token, Remembered known) -> token.length())
            .build();

    /**
     * A token that passed, with the generation of the remote set's keys it was checked with (0 for a
     * {@code jwks-file}) and the keys that could have checked it (the one its {@code kid} names): it stands
     * while the set is at that generation, and after a change while the set still has those keys. An issuer
     * withdraws its old key once the tokens it signed have expired; re-checking every token, the new key's
     * too, would spend the {@link CheckBudget} on valid tokens and refuse many of them 503.
     */
    private record Remembered(Verified verified, long keyGeneration, List<JWK> checkedWith) {
    }

    /** Collects the keys a check tried, for {@link Remembered#checkedWith}. */
    private static final class KeysTried implements SecurityContext {
        private final List<JWK> keys = new ArrayList<>(1);
    }

    /**
     * @param remote the key set of the config's {@code jwks-uri}; null when it names a {@code jwks-file}
     */
    public JwtVerifier(JwtConfig config, Clock clock, CheckBudget budget, RemoteKeySet remote) {
        this.config = config;
        this.clock = clock;
        this.budget = budget;
        this.remote = remote;
        JWKSource<SecurityContext> keys = remote != null ? currentKeys(remote) : fileKeys(config.keys());
        Set<JWSAlgorithm> algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toSet());
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
        // "JWT", none, and the access-token type of RFC 9068 that some authorization servers write.
        processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT,
                new JOSEObjectType("at+jwt"), new JOSEObjectType("application/at+jwt"), null));
        processor.setJWTClaimsSetVerifier((claims, context) -> checkIssuerAndAudience(claims));
    }

    /**
     * The token's verdict: what the upstream gets of it; null when it does not pass; {@link #NOT_CHECKED} when it
     * would need a signature check and this thread has spent its {@link CheckBudget} for the second;
     * {@link #KEYS_UNAVAILABLE} when it would need one and the {@code jwks-uri} has not been fetched yet.
     */
    public Verified verify(String token) {
        // Read before the keys (the set changes its keys, then its generation), so that a token checked with
        // keys newer than this generation is checked again rather than one checked with older keys kept.
        long generation = remote == null ? 0 : remote.generation();
        Remembered known = remembered.getIfPresent(token);
        if (known != null && known.keyGeneration() != generation && remote.holdsAll(known.checkedWith())) {
            // A key was withdrawn or changed, not the ones that checked this token: it stands under the new keys.
            known = new Remembered(known.verified(), generation, known.checkedWith());
            remembered.put(token, known);
        }
        if (known != null && known.keyGeneration() == generation) {
            return inTime(known.verified()) ? known.verified() : null;
        }
        if (!compactForm(token)) {
            log.debug("bearer token refused: not three parts of base64url");
            return null;
        }
        if (remote != null && remote.keys() == null) {
            return KEYS_UNAVAILABLE;
        }
        long started = budget.startCheck();
        if (started == CheckBudget.NO_TIME) {
            return NOT_CHECKED;
        }
        try {
            return check(token, generation);
        } finally {
            budget.endCheck(started);
        }
    }

    private static JWKSource<SecurityContext> fileKeys(JwksSource source) {
        try {
            return new ImmutableJWKSet<>(JWKSet.parse(((JwksSource.File) source).jwks()));
        } catch (ParseException e) {
            throw new IllegalArgumentException("the key set was checked when the config was read", e);
        }
    }

    /** The remote set's keys as they are at each check; a key it lacks asks for a fetch (a key rotated in). */
    private static JWKSource<SecurityContext> currentKeys(RemoteKeySet remote) {
        return (selector, context) -> {
            JWKSet keys = remote.keys();
            List<JWK> found = keys == null ? List.of() : selector.select(keys);
            if (found.isEmpty()) {
                remote.keyMissing();
            }
            if (context instanceof KeysTried tried) {
                tried.keys.addAll(found);
            }
            return found;
        };
    }

    private Verified check(String token, long keyGeneration) {
        JWTClaimsSet claims;
        Map<String, Object> written;
        KeysTried tried = new KeysTried();
        try {
            SignedJWT jws = SignedJWT.parse(token);
            claims = processor.process(jws, tried);
            // The times as the token writes them: Nimbus's own dates of them overflow (see NumericDate).
            written = jws.getPayload().toJSONObject();
        } catch (ParseException | BadJOSEException | JOSEException e) {
            log.debug("bearer token refused: {}", e.getMessage());
            return null;
        } catch (RuntimeException e) {
            // Whatever a client writes must end in a refusal, never in the proxy's own failure.
            log.debug("bearer token refused: unreadable ({})", e.toString());
            return null;
        }
        // The parse above took only numbers (or null) for these.
        if (!(written.get("exp") instanceof Number expires)) {
            log.debug("bearer token refused: it has no exp claim");
            return null;
        }
        Object notBefore = written.get("nbf");
        Verified verified = new Verified(claimHeaders(claims),
                notBefore instanceof Number seconds ? NumericDate.millis(seconds) : Long.MIN_VALUE,
                NumericDate.millis(expires), RequiredClaims.hold(config.requiredClaims(), claims));
        if (!inTime(verified)) {
            log.debug("bearer token refused: outside its time window (nbf, exp)");
            return null;
        }
        remembered.put(token, new Remembered(verified, keyGeneration, List.copyOf(tried.keys)));
        return verified;
    }

    private boolean inTime(Verified verified) {
        long now = clock.millis();
        long skew = config.clockSkew().toMillis();
        // Saturated: a token may name any instant, the end of time included.
        long expiresWithSkew = verified.expiresMillis() > Long.MAX_VALUE - skew ? Long.MAX_VALUE
                : verified.expiresMillis() + skew;
        long validFromWithSkew = verified.notBeforeMillis() < Long.MIN_VALUE + skew ? Long.MIN_VALUE
                : verified.notBeforeMillis() - skew;
        return now < expiresWithSkew && now >= validFromWithSkew;
    }

    private void checkIssuerAndAudience(JWTClaimsSet claims) throws BadJWTException {
        if (config.issuer().isPresent() && !config.issuer().get().equals(claims.getIssuer())) {
            throw new BadJWTException("issuer " + claims.getIssuer() + " is not " + config.issuer().get());
        }
        if (!config.audiences().isEmpty() && claims.getAudience().stream().noneMatch(config.audiences()::contains)) {
            throw new BadJWTException("audience " + claims.getAudience() + " names none of " + config.audiences());
        }
    }

    /**
     * The configured claims the token has, as header values: a string as it is, a number or a boolean as written,
     * a list of those joined by commas. An object, and any value with a control character (which would end
     * the header), a space at either end (which the upstream's parser strips, so that another value arrives) or
     * text above ASCII (which HTTP/1.1 has no agreed encoding for), gives no header.
     */
    private List<Map.Entry<String, String>> claimHeaders(JWTClaimsSet claims) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(config.claimHeaders().size());
        config.claimHeaders().forEach((claim, header) -> {
            String value = headerValue(claims.getClaim(claim));
            if (value != null && !value.isEmpty() && value.chars().allMatch(c -> c >= 0x20 && c < 0x7F)
                    // HTTP drops spaces at a value's ends (RFC 9110 5.5): " admin" would arrive as "admin".
                    && value.charAt(0) != ' ' && value.charAt(value.length() - 1) != ' ') {
                headers.add(Map.entry(header, value));
            }
        });
        return List.copyOf(headers);
    }

    private static String headerValue(Object claim) {
        if (claim instanceof String || claim instanceof Number || claim instanceof Boolean) {
            return text(claim);
        }
        if (claim instanceof Collection<?> list && list.stream().allMatch(v -> v instanceof String
                || v instanceof Number || v instanceof Boolean)) {
            return list.stream().map(JwtVerifier::text).collect(Collectors.joining(","));
        }
        return null;
    }

    /**
     * A scalar claim as text; a number JSON gave as a fraction or with an exponent in plain decimals, a whole
     * one without a fraction ({@code 2e3} and {@code 2000.0} are {@code 2000}, {@code 1.10} is {@code 1.1}),
     * where Java would write {@code 2000.0} or {@code 1.0E20}, which few upstreams read as numbers.
     */
    private static String text(Object scalar) {
        if (scalar instanceof Double || scalar instanceof Float) {
            double number = ((Number) scalar).doubleValue();
            return Double.isFinite(number) ? BigDecimal.valueOf(number).stripTrailingZeros().toPlainString()
                    : scalar.toString();
        }
        if (scalar instanceof BigDecimal decimal) {
            return decimal.stripTrailingZeros().toPlainString();
        }
        return scalar.toString();
    }
}
