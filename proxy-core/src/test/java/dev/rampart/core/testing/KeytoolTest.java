package dev.rampart.core.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeytoolTest {

    @TempDir
    Path dir;

    @Test
    void aCommandThatWorksWritesItsStore() {
        Path store = dir.resolve("k.p12");
        Keytool.run(List.of("-genkeypair", "-alias", "k", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=k", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-keypass", "changeit"));
        assertTrue(Files.isRegularFile(store));
    }

    @Test
    void aCommandThatFailsThrowsInsteadOfEndingTheTestJvm() {
        // Run in this JVM, keytool would call System.exit on an error without -debug: the build would stop here.
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Keytool.run(List.of("-list",
                "-keystore", dir.resolve("missing.p12").toString(), "-storetype", "PKCS12", "-storepass", "changeit")));
        assertTrue(e.getMessage().startsWith("keytool failed"), e.getMessage());
    }
}
