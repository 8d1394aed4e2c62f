package dev.rampart.core.proxy;

import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** What the tests of a TLS listener's timing share: one certificate for the class, and a config that serves it. */
abstract class TlsListenerSupport {

    @TempDir
    static Path dir;
    static TestCertificates listenerCert;

    @BeforeAll
    static void certificates() {
        listenerCert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
    }

    /** One route to {@code endpoint}, on a TLS listener with these request-head and idle timeouts. */
    static String tlsConfig(String endpoint, String headTimeout, String idleTimeout) {
        return ProxyHarness.simple(endpoint, "") + "rampart.server { request-header-timeout = " + headTimeout
                + ", idle-timeout = " + idleTimeout + ", tls { cert-chain = \"" + listenerCert.certChain()
                + "\", private-key = \"" + listenerCert.privateKey() + "\" } }\n";
    }
}
