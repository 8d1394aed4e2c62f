package dev.rampart.core.errors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code docs/errors.md} is generated from the code; this fails when the committed file is stale, and with
 * {@code -Drampart.regenerateDocs=true} writes it instead.
 */
class CatalogDocumentTest {

    private static Path docsFile() {
        // Surefire runs in the module directory and also passes it as "basedir".
        Path module = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return module.resolve("../docs/errors.md").normalize();
    }

    @Test
    void committedDocumentMatchesTheCatalog() throws IOException {
        Path file = docsFile();
        String expected = CatalogDocument.render();
        if (Boolean.getBoolean("rampart.regenerateDocs")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, expected, StandardCharsets.UTF_8);
            return;
        }
        String howToFix = "\nRegenerate it with: " + CatalogDocument.REGENERATE_COMMAND + " (then commit docs/errors.md)";
        if (!Files.exists(file)) {
            fail(file + " does not exist." + howToFix);
        }
        String actual = Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertEquals(expected, actual, file + " is out of date with dev.rampart.core.errors.Reason." + howToFix);
    }

    @Test
    void tableHasOneRowPerReasonWithItsPublishedValues() {
        String doc = CatalogDocument.render();
        assertTrue(doc.contains("| reason | status | retryable | RFC 9209 error | when |\n"), doc);
        for (Reason reason : Reason.values()) {
            assertTrue(doc.contains("\n| " + reason.name() + " | "), reason.name());
        }
        assertTrue(doc.contains("\n| CIRCUIT_OPEN | 503 | true | destination_unavailable | all endpoints' breakers open |\n"), doc);
        assertTrue(doc.contains("\n| UPSTREAM_ERROR | the upstream's | 502/503/504: true, else false"
                + " | (none; `received-status`) | an upstream error response rewritten by `rewrite-upstream` |\n"), doc);
        assertTrue(doc.contains("\n| ROUTE_NOT_FOUND | 404 | false | destination_not_found | no route matches |\n"), doc);
    }

    @Test
    void examplesAreTheRenderersOwnOutput() {
        String doc = CatalogDocument.render();
        assertTrue(doc.contains("\"reason\": \"CIRCUIT_OPEN\""), doc);
        assertTrue(doc.contains("\"type\": \"https://rampart.dev/errors/circuit-open\""), doc);
        assertTrue(doc.contains("Proxy-Status: rampart; error=destination_unavailable\n"), doc);
        assertTrue(doc.contains("`rampart; received-status=503`"), doc);
        assertTrue(doc.contains("Retry-After: 5\n"), doc);
    }
}
