package dev.rampart.core.proxy;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.config.TokenSource;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The request head a route's {@code jwt} hands upstream: what the client sent under a claim header's name, in
 * any spelling CGI, WSGI and Rack servers read as the same, is replaced by the proxy's claim; the token header's
 * other spellings (which were never checked) are dropped while the checked one, and every unrelated header,
 * stays.
 */
class ClaimAndTokenHeaderSpellingsTest {

    private static JwtConfig jwt(Map<String, String> claimHeaders, boolean forwardToken, TokenSource... sources) {
        return new JwtConfig(new JwksSource.File(Path.of("jwks.json"), "{\"keys\":[]}"), Optional.empty(), List.of(),
                List.of("RS256"), Duration.ofSeconds(60), claimHeaders, forwardToken, List.of(sources), Map.of());
    }

    private static final List<Map.Entry<String, String>> CLAIMS = List.of(Map.entry("X-User-Id", "alice"));

    @Test
    void aClaimHeaderTheClientSentInAnUnderscoreSpellingIsReplacedByTheProxysClaim() {
        JwtConfig config = jwt(Map.of("sub", "X-User-Id"), true, TokenSource.header("X-Jwt", ""));
        HttpHeaders headers = new DefaultHttpHeaders()
                .add("X_User_Id", "mallory").add("x-user-id", "mallory").add("X-Jwt", "t0ken");
        ClaimHeaders.apply(config, CLAIMS, headers);
        assertFalse(headers.contains("X_User_Id"), "the underscore spelling must go");
        assertEquals(List.of("alice"), headers.getAll("X-User-Id"));
        assertEquals("t0ken", headers.get("X-Jwt"));
    }

    @Test
    void anUnderscoreAliasOfTheTokenHeaderIsDroppedButTheCheckedHeaderAndTheOthersStay() {
        JwtConfig config = jwt(Map.of("sub", "X-User-Id"), true, TokenSource.header("X-Jwt", ""));
        HttpHeaders headers = new DefaultHttpHeaders().add("Host", "api.example")
                .add("X-Jwt", "checked").add("X_Jwt", "unchecked").add("Accept_Language", "fr")
                .add("X-Request-Id", "r1");
        ClaimHeaders.apply(config, CLAIMS, headers);
        assertNull(headers.get("X_Jwt"), "the unchecked spelling of the token header must go");
        assertEquals("checked", headers.get("X-Jwt"), "the token that was checked is forwarded as asked");
        assertEquals("api.example", headers.get("Host"));
        assertEquals("fr", headers.get("Accept_Language"), "an underscore header unrelated to the token stays");
        assertEquals("r1", headers.get("X-Request-Id"));
        assertEquals("alice", headers.get("X-User-Id"));
    }

    @Test
    void whenTheTokenHeaderIsConfiguredWithAnUnderscoreItsDashedSpellingIsDropped() {
        // No name in the request has an underscore: only the configured name says an alias can be present.
        JwtConfig config = jwt(Map.of("sub", "X-User-Id"), true, TokenSource.header("X_Token", ""));
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Token", "forged").add("Accept", "*/*");
        ClaimHeaders.apply(config, CLAIMS, headers);
        assertNull(headers.get("X-Token"), "X-Token is X_Token to a CGI server, and it was never checked");
        assertEquals("*/*", headers.get("Accept"));
    }

    @Test
    void theTokenHeaderUnderItsOwnNameStaysWhenItsConfiguredNameHasAnUnderscore() {
        JwtConfig config = jwt(Map.of(), true, TokenSource.header("X_Token", ""));
        HttpHeaders headers = new DefaultHttpHeaders().add("x_token", "checked").add("Accept", "*/*");
        ClaimHeaders.apply(config, List.of(), headers);
        assertEquals("checked", headers.get("X_Token"));
        assertEquals("*/*", headers.get("Accept"));
    }

    @Test
    void aTokenNotForwardedIsRemovedWithItsAliases() {
        JwtConfig config = jwt(Map.of("sub", "X-User-Id"), false, TokenSource.header("X-Jwt", ""));
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Jwt", "checked").add("X_JWT", "other")
                .add("Accept", "*/*");
        ClaimHeaders.apply(config, CLAIMS, headers);
        assertFalse(headers.contains("X-Jwt"));
        assertFalse(headers.contains("X_JWT"));
        assertEquals("*/*", headers.get("Accept"));
    }

    @Test
    void trailersLoseClaimHeadersAndTokenHeadersInEverySpellingButKeepTheRest() {
        JwtConfig config = jwt(Map.of("sub", "X-User-Id"), true, TokenSource.header("X-Jwt", ""),
                TokenSource.cookie("session"));
        HttpHeaders trailers = new DefaultHttpHeaders().add("X_User_ID", "mallory").add("X-Jwt", "t")
                .add("x_jwt", "t").add("Checksum", "abc");
        ClaimHeaders.dropFromTrailers(config, trailers);
        assertFalse(trailers.contains("X_User_ID"));
        assertFalse(trailers.contains("X-Jwt"));
        assertFalse(trailers.contains("x_jwt"));
        assertEquals("abc", trailers.get("Checksum"));
    }

    @Test
    void aRouteWithoutClaimHeadersStillDropsTokenAliasesFromTrailers() {
        JwtConfig config = jwt(Map.of(), true, TokenSource.header("Authorization", "Bearer "));
        HttpHeaders trailers = new DefaultHttpHeaders().add("authorization", "Bearer x").add("Etag", "1");
        ClaimHeaders.dropFromTrailers(config, trailers);
        assertFalse(trailers.contains("Authorization"));
        assertEquals("1", trailers.get("Etag"));
    }

    @Test
    void isClaimHeaderReadsUnderscoresAsDashesInEitherName() {
        JwtConfig config = jwt(Map.of("sub", "X_User_Id"), true, TokenSource.header("X-Jwt", ""));
        assertTrue(ClaimHeaders.isClaimHeader(config, "x-user-id"));
        assertFalse(ClaimHeaders.isClaimHeader(config, "X-User"));
    }
}
