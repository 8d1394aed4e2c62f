package dev.rampart.core.tls;

import dev.rampart.core.testing.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The quoting of {@code X-Forwarded-Client-Cert} values: what a name holds never breaks the header's fields. */
class ClientCertificateHeaderTest {

    @TempDir
    Path dir;

    @Test
    void theSubjectIsQuotedAsRfc2253WritesItAndNamesWithSeparatorsAreQuoted() {
        TestCertificates odd = TestCertificates.generate(dir, "odd", "Smith\\, \\\"J\\\"", "uri:urn:x;y=z,dns:a.example");

        String value = ClientCertificateHeader.of(odd.certificate());

        assertTrue(value.startsWith("Hash="), value);
        String afterHash = value.substring(value.indexOf(';'));
        assertEquals(";Subject=\"CN=Smith\\, \\\"J\\\"\";URI=\"urn:x;y=z\";DNS=a.example", afterHash, "the subject as RFC 2253 writes it, quotes escaped once");
    }

    @Test
    void controlCharactersInTheSubjectAreWrittenAsRfc2253HexPairs() {
        assertEquals("CN=a\\0D\\0AX-Injected: 1", ClientCertificateHeader.subject("CN=a\r\nX-Injected: 1"),
                "as OpenSSL writes them: neither a header break nor a name that reads as another");
    }
}
