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
    void namesWithTheFieldSeparatorsAreQuotedWithOnlyTheirQuotesEscaped() {
        TestCertificates odd = TestCertificates.generate(dir, "odd", "Smith\\, \\\"J\\\"", "uri:urn:x;y=z,dns:a.example");

        String value = ClientCertificateHeader.of(odd.certificate());

        assertTrue(value.startsWith("Hash="), value);
        String afterHash = value.substring(value.indexOf(';'));
        assertEquals(";Subject=\"CN=Smith\\, \\\\\"J\\\\\"\";URI=\"urn:x;y=z\";DNS=a.example", afterHash);
    }
}
