package dev.rampart.core.config;

import static dev.rampart.core.config.RouteWarnings.warningsFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Retry settings {@code --check} warns about: retries that can apply a non-idempotent request twice,
 * a timeout or budget that leaves no retry possible, and the safe combinations it stays quiet on.
 */
class RetryWarningsTest {

    @Test
    void retryingServerErrorsOnPostListedAsIdempotent() {
        List<String> warnings = warningsFor(
                "retry { on = [connect-failure, 5xx], idempotent-methods = [GET, POST] }");
        assertEquals(List.of("route \"orders\": retries POST on 5xx without an idempotency key (POST is in"
                + " retry.idempotent-methods); a POST the upstream already applied may be applied twice"), warnings);
    }

    @Test
    void patchIsAsDangerousAsPostAndResetsCountToo() {
        List<String> warnings = warningsFor("retry { on = [reset], idempotent-methods = [GET, PATCH] }");
        assertEquals(List.of("route \"orders\": retries PATCH on reset without an idempotency key (PATCH is in"
                + " retry.idempotent-methods); a PATCH the upstream already applied may be applied twice"), warnings);
    }

    @Test
    void noWarningWhenTheRouteNeverSeesPost() {
        assertEquals(List.of(), warningsFor(
                "match { methods = [GET] }, retry { on = [5xx], idempotent-methods = [GET, POST] }"));
    }

    @Test
    void connectFailureAloneIsAlwaysSafe() {
        assertEquals(List.of(), warningsFor("retry { on = [connect-failure], idempotent-methods = [POST] }"));
    }

    @Test
    void serverErrorRetriesWithNoIdempotencyKeyHeader() {
        List<String> warnings = warningsFor("retry { on = [gateway-error], idempotency-key-header = \"\" }");
        assertEquals(List.of("route \"orders\": retries gateway-error but retry.idempotency-key-header is empty;"
                + " a POST can never be retried after a response, and clients have no way to opt in"), warnings);
    }

    @Test
    void statusCodesListCountsAsStatusRetries() {
        List<String> warnings = warningsFor("retry { on = [connect-failure], status-codes = [429],"
                + " idempotent-methods = [POST] }");
        assertEquals(1, warnings.size(), String.join("\n", warnings));
        assertTrue(warnings.get(0).startsWith("route \"orders\": retries POST on status-codes"), warnings.get(0));
    }

    @Test
    void perTryTimeoutAtLeastTheRouteTimeout() {
        assertEquals(List.of("route \"orders\": retry.per-try-timeout (5s) >= timeout (5s); an attempt that times out"
                + " leaves no time for a retry"), warningsFor("timeout = 5s"));
        assertEquals(List.of(), warningsFor("timeout = 5s, retry { attempts = 1 }"));
        assertEquals(List.of(), warningsFor("timeout = 5001ms"));
    }

    @Test
    void retriesWithoutBudget() {
        assertEquals(List.of("route \"orders\": retry.attempts = 3 but retry.budget is 0 (ratio 0, min-per-second 0);"
                + " no retry will ever be allowed"), warningsFor("retry { budget { ratio = 0, min-per-second = 0 } }"));
        assertEquals(List.of(), warningsFor("retry { budget { ratio = 0, min-per-second = 1 } }"));
    }

    @Test
    void retriesOnNothing() {
        assertEquals(List.of("route \"orders\": retry.attempts = 3 but retry.on names no failure to retry; no failure"
                + " will ever be retried (only a request sent on a pooled connection the upstream had already closed"
                + " is sent again)"), warningsFor("retry { on = [] }"));
        assertEquals(List.of("route \"orders\": retry.attempts = 3 but retry.on names no failure to retry"
                + " (status-codes is on, with no retry.status-codes); no failure will ever be retried (only a request"
                + " sent on a pooled connection the upstream had already closed is sent again)"),
                warningsFor("retry { on = [status-codes] }"));
        assertEquals(List.of(), warningsFor("retry { on = [], attempts = 1 }"));
        assertEquals(List.of(), warningsFor("retry { on = [], status-codes = [503], idempotency-key-header = \"\","
                + " idempotent-methods = [GET] }").stream().filter(w -> w.contains("names no failure")).toList());
    }

    @Test
    void directResponseRoutesHaveNoRetryWarnings() {
        List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  routes = [ { name = "ping", respond { body = "pong" }, timeout = 1s } ]
                }
                """, "test.conf", Map.of()));
        assertEquals(List.of(), warnings);
    }

    @Test
    void aRouteThatGivesEveryRequestTheIdempotencyKeyIsWarnedOf() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["10.0.0.1:8080"], max-concurrent-requests = 512 } }
                  routes = [
                    { name = pay, match { path-prefix = "/pay" }, upstream = app, request-headers { set { Idempotency_Key = fixed } } }
                    { name = ok, upstream = app, request-headers { set { X-Tenant = t1 } } }
                  ]
                }
                """, "test.conf", Map.of());
        assertEquals(List.of("route \"pay\": request-headers give every request the idempotency key header"
                + " Idempotency-Key (retry.idempotency-key-header): an upstream that deduplicates by it would take every"
                + " request for the first, and answer them all with its result"),
                ConfigWarnings.of(config).stream().filter(w -> w.contains("idempotency")).toList());
    }
}
