package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An endpoint with {@code backup = true}, through real sockets: it gets nothing while the primary serves, and every
 * request once the primary fails (the first by a retry, the rest directly once the primary's breaker opens).
 */
class BackupEndpointTest {

    private final FakeUpstream primary = FakeUpstream.start(UpstreamBehavior.ok("primary"));
    private final FakeUpstream backup = FakeUpstream.start(UpstreamBehavior.ok("backup"));
    private final ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(
            "app { endpoints = [\"" + primary.authority() + "\", { address = \"" + backup.authority()
                    + "\", backup = true }] }",
            "{ name = app, match { path-prefix = \"/\" }, upstream = app }"));

    @AfterEach
    void stop() {
        proxy.close();
        primary.close();
        backup.close();
    }

    private String get() {
        try (RawHttp raw = proxy.raw()) {
            RawHttp.Response response = raw.send("GET / HTTP/1.1\r\nHost: app\r\n\r\n").read();
            assertEquals(200, response.status(), response.text());
            return response.text();
        }
    }

    @Test
    void theBackupServesOnlyWhileThePrimaryCannot() {
        for (int i = 0; i < 20; i++) {
            assertEquals("primary", get());
        }
        assertEquals(0, backup.requests().size());

        primary.behave(UpstreamBehavior.failTimes(Integer.MAX_VALUE, 503, UpstreamBehavior.ok("primary")));
        for (int i = 0; i < 20; i++) {
            assertEquals("backup", get(), "request " + i + ": retried on the backup, then sent there at once");
        }
        int primaryTries = primary.requests().size() - 20;
        assertEquals(5, primaryTries, "the primary's breaker opened after its 5 consecutive failures");
    }
}
