package dev.rampart.core.upstream.pool;

import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.TlsHandshakeConfig;
import dev.rampart.core.config.UpstreamTlsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The TLS contexts of a config's {@code https://} endpoints are built when the config is applied, on the thread
 * that applies it: built by the first connection instead, on its event loop, the files' reading and the JVM's
 * first TLS setup held every other connection on that loop, and made the first request overrun its deadline.
 */
class TlsContextsAheadTest {

    private final PoolLoop pool = new PoolLoop("tls-ahead-test");

    @AfterEach
    void stop() {
        pool.close();
    }

    @Test
    void theContextsOfHttpsEndpointsAreBuiltAheadAndThoseOfPlainOnesAreNot() {
        UpstreamTlsConfig https = new UpstreamTlsConfig(Optional.empty(), true, Optional.empty(), TlsHandshakeConfig.DEFAULT);
        UpstreamTlsConfig plain = new UpstreamTlsConfig(Optional.empty(), false, Optional.empty(), TlsHandshakeConfig.DEFAULT);

        pool.pools.prepareTls(Set.of(settings("https://backend.example:8443", https),
                settings("http://backend.example:8080", plain)));

        assertNotNull(pool.pools.tlsContextBuilt(https), "built before any connection needs it");
        assertNull(pool.pools.tlsContextBuilt(plain), "a plain endpoint needs none");
    }

    private static PoolSettings settings(String endpoint, UpstreamTlsConfig tls) {
        return new PoolSettings(EndpointAddress.parse(endpoint), Duration.ofSeconds(1), 4, Duration.ofSeconds(30),
                Duration.ZERO, 4, tls);
    }
}
