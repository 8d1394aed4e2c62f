package dev.rampart.core.auth;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.rampart.core.config.JwksSource;
import dev.rampart.core.config.JwtConfig;
import dev.rampart.core.testing.TestTokens;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Routes' token checks across reloads: kept while the route's jwt is the same, replaced only by a reload that swaps in. */
class JwtVerifiersTest {

    private static JwtConfig config(String audience) {
        return new JwtConfig(new JwksSource.File(Path.of("jwks.json"), TestTokens.publicKeySet()),
                Optional.of(TestTokens.ISSUER), List.of(audience), JwtConfig.ASYMMETRIC_ALGORITHMS,
                Duration.ofSeconds(60), Map.of(), true);
    }

    @Test
    void aRouteKeepsItsCheckWhileItsJwtIsTheSameAndARefusedReloadChangesNothing() {
        JwtVerifiers verifiers = new JwtVerifiers(() -> 0L, Clock.systemUTC());
        JwtVerifier first = verifiers.prepare("api", config("a"), null);
        verifiers.commit();
        assertSame(first, verifiers.prepare("api", config("a"), null), "the same jwt: the same check, its tokens kept");
        verifiers.commit();

        JwtVerifier refused = verifiers.prepare("api", config("b"), null);
        assertNotSame(first, refused, "a changed jwt is checked anew");
        verifiers.discard();
        assertSame(first, verifiers.prepare("api", config("a"), null), "the refused reload left the running check");
        verifiers.commit(); // the next reload, with the route as it runs
        assertSame(first, verifiers.prepare("api", config("a"), null), "nothing of the refused reload swapped in");
        verifiers.commit();

        JwtVerifier applied = verifiers.prepare("api", config("b"), null);
        verifiers.commit();
        assertSame(applied, verifiers.prepare("api", config("b"), null), "the applied reload's check is the route's");
    }
}
