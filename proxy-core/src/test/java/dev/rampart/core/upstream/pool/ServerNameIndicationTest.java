package dev.rampart.core.upstream.pool;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLParameters;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The server name an {@code https://} endpoint's host is indicated as (RFC 6066 §3), which an upstream that
 * picks its certificate by name depends on: {@code TlsTest} checks a name and an address over real handshakes.
 */
class ServerNameIndicationTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "backend, backend",                   // no dot: the JDK alone would send nothing
            "api.example.com, api.example.com",
            "api.example.com., api.example.com",  // a fully qualified name's trailing dot is not part of it
            "localhost., localhost"})
    void aHostNameIsIndicatedWithoutItsTrailingDot(String host, String indicated) {
        assertEquals(List.of(indicated), indicatedFor(host));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "10.1.2.3", "::1", "2001:db8::17"})
    void anAddressIsNotIndicated(String host) {
        assertNull(indicatedFor(host), "RFC 6066 §3: literal addresses are not permitted as a server name");
    }

    @ParameterizedTest
    @ValueSource(strings = {"my_service", "backend_1.internal"})
    void aNameTheExtensionCannotCarryIsLeftOutRatherThanFailingTheConnection(String host) {
        assertNull(indicatedFor(host));
    }

    private static List<String> indicatedFor(String host) {
        SSLParameters params = new SSLParameters();
        OriginPipeline.indicateServerName(params, host);
        List<SNIServerName> names = params.getServerNames();
        return names == null ? null : names.stream().map(name -> ((SNIHostName) name).getAsciiName()).toList();
    }
}
