package dev.rampart.core.proxy;

import dev.rampart.core.auth.JwtVerifier;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestTokens;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * A route's token check, and the tokens it remembers as good, are kept across a reload that leaves the route's
 * {@code jwt} as it was: made anew at every reload (a no-op {@code touch} of the file), it had every client's next
 * request checked again at once, and on a busy route most of those past the check budget were refused 503
 * UPSTREAM_OVERLOADED. A changed {@code jwt}, or a {@code jwks-file} with other keys, starts afresh.
 */
class JwtCheckAcrossReloadTest {

    @TempDir
    Path dir;

    @Test
    void aReloadThatLeavesTheJwtAsItWasKeepsItsCheckAndOneThatChangesItStartsAfresh() throws Exception {
        Path keys = TestTokens.writePublicKeySet(dir);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("fine"));
             ProxyHarness proxy = ProxyHarness.start(config(upstream, keys, TestTokens.AUDIENCE))) {
            HttpResponse<String> ok = proxy.client().send(HttpRequest.newBuilder(proxy.uri("/api"))
                    .header("Authorization", "Bearer " + TestTokens.valid()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            JwtVerifier before = proxy.runtime().current().jwtVerifier("api");

            proxy.runtime().apply(proxy.runtime().config()); // a reload that changes nothing
            assertSame(before, proxy.runtime().current().jwtVerifier("api"), "the same check, its tokens remembered");
            proxy.runtime().apply(ConfigLoader.parse(config(upstream, keys, TestTokens.AUDIENCE), "reloaded"));
            assertSame(before, proxy.runtime().current().jwtVerifier("api"), "the file read again, the same keys");

            proxy.runtime().apply(ConfigLoader.parse(config(upstream, keys, "api://other"), "reloaded"));
            JwtVerifier otherAudience = proxy.runtime().current().jwtVerifier("api");
            assertNotSame(before, otherAudience, "another audience: a token remembered may not have it");

            Files.writeString(keys, TestTokens.rsaPublicKeySet()); // the EC key withdrawn
            proxy.runtime().apply(ConfigLoader.parse(config(upstream, keys, "api://other"), "reloaded"));
            assertNotSame(otherAudience, proxy.runtime().current().jwtVerifier("api"), "other keys in the file");
        }
    }

    private static String config(FakeUpstream upstream, Path keys, String audience) {
        return ProxyHarness.config("app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = api, match { path-prefix = \"/api\" }, upstream = app, jwt { jwks-file = \"" + keys
                        + "\", issuer = \"" + TestTokens.ISSUER + "\", audiences = [\"" + audience + "\"] } }");
    }
}
