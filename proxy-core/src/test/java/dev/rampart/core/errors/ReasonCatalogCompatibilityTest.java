package dev.rampart.core.errors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Holds the catalog to what was published (PRODUCT.md §3.3): {@code reason-catalog.snapshot} lists every
 * published reason with its status and retryable flag. A listed reason that is gone or changed fails;
 * a reason that is not listed fails too, until it is added, so that publishing is a visible act.
 */
class ReasonCatalogCompatibilityTest {

    static final String SNAPSHOT = "/reason-catalog.snapshot";
    static final String SNAPSHOT_PATH = "proxy-core/src/test/resources/reason-catalog.snapshot";

    /** One line of the snapshot, in its own spelling. */
    record Entry(String reason, String status, String retryable) {
        String line() {
            return reason + " " + status + " " + retryable;
        }
    }

    @Test
    void everyPublishedReasonIsUnchangedAndEveryReasonIsPublished() throws IOException {
        List<String> problems = compare(parse(readSnapshot()), current());
        if (!problems.isEmpty()) {
            fail("The reason catalog no longer matches " + SNAPSHOT_PATH + ":\n  " + String.join("\n  ", problems));
        }
    }

    @Test
    void snapshotListsAtLeastTheWholePublishedCatalog() throws IOException {
        // A guard against an emptied or truncated snapshot, which would make the check above vacuous.
        assertTrue(parse(readSnapshot()).size() >= 17);
    }

    @Test
    void removedReasonIsReported() {
        Map<String, Entry> published = entries(new Entry("CIRCUIT_OPEN", "503", "true"),
                new Entry("GONE", "500", "false"));
        List<String> problems = compare(published, entries(new Entry("CIRCUIT_OPEN", "503", "true")));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("GONE is published but missing from Reason"), problems.get(0));
    }

    @Test
    void changedStatusOrRetryableIsReported() {
        Map<String, Entry> published = entries(new Entry("CIRCUIT_OPEN", "503", "true"),
                new Entry("UPSTREAM_ERROR", "upstream", "502/503/504"));
        List<String> problems = compare(published, entries(new Entry("CIRCUIT_OPEN", "502", "false"),
                new Entry("UPSTREAM_ERROR", "upstream", "503/504")));
        assertEquals(List.of(
                "CIRCUIT_OPEN changed status: published 503, now 502",
                "CIRCUIT_OPEN changed retryable: published true, now false",
                "UPSTREAM_ERROR changed retryable: published 502/503/504, now 503/504"), problems);
    }

    @Test
    void unpublishedReasonAsksToBeAdded() {
        List<String> problems = compare(entries(new Entry("CIRCUIT_OPEN", "503", "true")),
                entries(new Entry("CIRCUIT_OPEN", "503", "true"), new Entry("NEW_ONE", "429", "true")));
        assertEquals(List.of("NEW_ONE is not in the snapshot: publish it by adding the line `NEW_ONE 429 true`"
                + " (adding only adds; nothing else changes)"), problems);
    }

    @Test
    void malformedSnapshotLineFails() {
        assertThrows(IllegalArgumentException.class, () -> parse("CIRCUIT_OPEN 503\n"));
        assertThrows(IllegalArgumentException.class, () -> parse("CIRCUIT_OPEN 503 true\nCIRCUIT_OPEN 503 true\n"));
    }

    @Test
    void currentCatalogIsDescribedFromTheEnum() {
        Map<String, Entry> current = current();
        assertEquals(new Entry("CIRCUIT_OPEN", "503", "true"), current.get("CIRCUIT_OPEN"));
        assertEquals(new Entry("ROUTE_NOT_FOUND", "404", "false"), current.get("ROUTE_NOT_FOUND"));
        assertEquals(new Entry("UPSTREAM_ERROR", "upstream", "502/503/504"), current.get("UPSTREAM_ERROR"));
    }

    static List<String> compare(Map<String, Entry> published, Map<String, Entry> current) {
        List<String> problems = new ArrayList<>();
        for (Entry before : published.values()) {
            Entry now = current.get(before.reason());
            if (now == null) {
                problems.add(before.reason() + " is published but missing from Reason: a published reason is"
                        + " never removed or renamed");
                continue;
            }
            if (!now.status().equals(before.status())) {
                problems.add(before.reason() + " changed status: published " + before.status() + ", now " + now.status());
            }
            if (!now.retryable().equals(before.retryable())) {
                problems.add(before.reason() + " changed retryable: published " + before.retryable()
                        + ", now " + now.retryable());
            }
        }
        for (Entry now : current.values()) {
            if (!published.containsKey(now.reason())) {
                problems.add(now.reason() + " is not in the snapshot: publish it by adding the line `" + now.line()
                        + "` (adding only adds; nothing else changes)");
            }
        }
        return problems;
    }

    /** The enum described in the snapshot's terms. */
    static Map<String, Entry> current() {
        Map<String, Entry> current = new LinkedHashMap<>();
        for (Reason reason : Reason.values()) {
            String status = reason.usesUpstreamStatus() ? "upstream" : Integer.toString(reason.status());
            current.put(reason.name(), new Entry(reason.name(), status, retryable(reason)));
        }
        return current;
    }

    /** {@code true}/{@code false} when the flag does not depend on the status, else the retryable statuses. */
    private static String retryable(Reason reason) {
        if (!reason.usesUpstreamStatus()) {
            return Boolean.toString(reason.retryable());
        }
        StringJoiner statuses = new StringJoiner("/");
        for (int status = 100; status < 600; status++) {
            if (reason.retryable(status)) {
                statuses.add(Integer.toString(status));
            }
        }
        return statuses.toString();
    }

    static Map<String, Entry> parse(String snapshot) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        String[] lines = snapshot.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length != 3) {
                throw new IllegalArgumentException(SNAPSHOT_PATH + ":" + (i + 1)
                        + ": expected `<reason> <status> <retryable>`, got `" + line + "`");
            }
            if (entries.put(fields[0], new Entry(fields[0], fields[1], fields[2])) != null) {
                throw new IllegalArgumentException(SNAPSHOT_PATH + ":" + (i + 1) + ": " + fields[0] + " listed twice");
            }
        }
        return entries;
    }

    private static Map<String, Entry> entries(Entry... entries) {
        Map<String, Entry> map = new LinkedHashMap<>();
        for (Entry e : entries) {
            map.put(e.reason(), e);
        }
        return map;
    }

    private static String readSnapshot() throws IOException {
        try (InputStream in = ReasonCatalogCompatibilityTest.class.getResourceAsStream(SNAPSHOT)) {
            assertNotNull(in, SNAPSHOT + " is missing from the test resources");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        }
    }
}
