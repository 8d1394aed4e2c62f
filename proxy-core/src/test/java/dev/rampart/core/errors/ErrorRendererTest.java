package dev.rampart.core.errors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static dev.rampart.core.errors.TestJson.child;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorRendererTest {

    private static final String ID = "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10";

    private final ErrorRenderer renderer = new ErrorRenderer("rampart", "X-Request-Id");

    private static ErrorContext upstreamError(int status) {
        return new ErrorContext(Reason.UPSTREAM_ERROR, status, ID, "default", "app", 1,
                OptionalLong.empty(), OptionalInt.of(status), null);
    }

    @Test
    void envelopeHasTheContractShape() {
        ErrorContext ctx = ErrorContext.of(Reason.CIRCUIT_OPEN, ID, "default", "app", 0).withRetryAfterSeconds(5);
        RenderedError error = renderer.render(ctx, (String) null);

        assertEquals(503, error.status());
        assertEquals("application/json", error.contentType());
        Map<String, Object> body = TestJson.object(error.body());
        assertEquals(List.of("code", "reason", "message", "metadata"), List.copyOf(body.keySet()));
        assertEquals(503L, body.get("code"));
        assertEquals("CIRCUIT_OPEN", body.get("reason"));
        assertEquals("The upstream service is unavailable; retry later.", body.get("message"));
        assertEquals(Map.of("request_id", ID, "route", "default", "upstream", "app",
                "attempts", "0", "retryable", "true", "retry_after", "5"), child(body, "metadata"));
    }

    @Test
    void envelopeIsCompactAndExactlyAsPublished() {
        ErrorContext ctx = ErrorContext.of(Reason.ROUTE_NOT_FOUND, "abc", null, null, 0);
        assertEquals("{\"code\":404,\"reason\":\"ROUTE_NOT_FOUND\",\"message\":\"No route matches this request.\","
                        + "\"metadata\":{\"request_id\":\"abc\",\"attempts\":\"0\",\"retryable\":\"false\"}}",
                new String(renderer.render(ctx, ErrorFormat.ENVELOPE).body(), StandardCharsets.UTF_8));
    }

    @Test
    void metadataValuesAreAllStrings() {
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_OVERLOADED, ID, "default", "app", 2).withRetryAfterSeconds(1);
        child(TestJson.object(renderer.render(ctx, ErrorFormat.ENVELOPE).body()), "metadata")
                .forEach((key, value) -> assertTrue(value instanceof String, key + " = " + value));
    }

    @Test
    void absentRouteAndUpstreamAreOmittedNotNull() {
        ErrorContext ctx = ErrorContext.of(Reason.ROUTE_NOT_FOUND, ID, null, null, 0);
        Map<String, Object> metadata = child(TestJson.object(renderer.render(ctx, ErrorFormat.ENVELOPE).body()), "metadata");
        assertFalse(metadata.containsKey("route"), metadata.toString());
        assertFalse(metadata.containsKey("upstream"), metadata.toString());
        assertEquals(ID, metadata.get("request_id"));
    }

    @Test
    void retryAfterOnlyWhenKnown() {
        ErrorContext without = ErrorContext.of(Reason.CIRCUIT_OPEN, ID, "default", "app", 0);
        RenderedError plain = renderer.render(without, ErrorFormat.ENVELOPE);
        assertEquals(Optional.empty(), plain.header("Retry-After"));
        assertFalse(child(TestJson.object(plain.body()), "metadata").containsKey("retry_after"));
        assertFalse(TestJson.object(renderer.render(without, ErrorFormat.PROBLEM_DETAILS).body()).containsKey("retry_after"));

        ErrorContext with = without.withRetryAfterSeconds(7);
        RenderedError hinted = renderer.render(with, ErrorFormat.ENVELOPE);
        assertEquals(Optional.of("7"), hinted.header("Retry-After"));
        assertEquals("7", child(TestJson.object(hinted.body()), "metadata").get("retry_after"));
        assertEquals(7L, TestJson.object(renderer.render(with, ErrorFormat.PROBLEM_DETAILS).body()).get("retry_after"));
    }

    @Test
    void negativeRetryAfterIsSentAsZero() {
        ErrorContext ctx = ErrorContext.of(Reason.CIRCUIT_OPEN, ID, "default", "app", 0).withRetryAfterSeconds(-3);
        assertEquals(Optional.of("0"), renderer.render(ctx, ErrorFormat.ENVELOPE).header("Retry-After"));
    }

    @Test
    void headersCarryRequestIdAndProxyStatus() {
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_TIMEOUT, ID, "default", "app", 3);
        RenderedError error = renderer.render(ctx, ErrorFormat.ENVELOPE);
        assertEquals(List.of(Map.entry("X-Request-Id", ID), Map.entry("Proxy-Status", "rampart; error=http_response_timeout")),
                error.headers());
    }

    @Test
    void requestIdHeaderNameIsTheConfiguredOne() {
        ErrorRenderer custom = new ErrorRenderer("edge", "X-Correlation-Id");
        RenderedError error = custom.render(ErrorContext.of(Reason.INTERNAL_ERROR, ID, null, null, 0), ErrorFormat.ENVELOPE);
        assertEquals(Optional.of(ID), error.header("x-correlation-id"));
        assertEquals(Optional.empty(), error.header("X-Request-Id"));
        assertEquals(Optional.of("edge; error=proxy_internal_error"), error.header("Proxy-Status"));
    }

    @Test
    void invalidRequestIdHeaderNameIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ErrorRenderer("rampart", "X Request Id"));
        assertThrows(IllegalArgumentException.class, () -> new ErrorRenderer("rampart", ""));
        assertThrows(NullPointerException.class, () -> new ErrorRenderer("rampart", null));
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void everyReasonRendersWithItsStatusAndRetryable(Reason reason) {
        ErrorContext ctx = ErrorContext.of(reason, ID, "default", "app", 1);
        RenderedError envelope = renderer.render(ctx, ErrorFormat.ENVELOPE);
        Map<String, Object> body = TestJson.object(envelope.body());
        assertEquals(reason.status(), envelope.status());
        assertEquals((long) reason.status(), body.get("code"));
        assertEquals(reason.name(), body.get("reason"));
        assertEquals(reason.defaultMessage(), body.get("message"));
        // For UPSTREAM_ERROR the flag follows the status; with the catalog's own status it is the catalog's answer.
        boolean retryable = reason.retryable(reason.status());
        assertEquals(Boolean.toString(retryable), child(body, "metadata").get("retryable"));

        RenderedError problem = renderer.render(ctx, ErrorFormat.PROBLEM_DETAILS);
        Map<String, Object> details = TestJson.object(problem.body());
        assertEquals(reason.status(), problem.status());
        assertEquals((long) reason.status(), details.get("status"));
        assertEquals(retryable, details.get("retryable"));
        assertEquals(reason.problemType(), details.get("type"));

        String expectedProxyStatus = reason.proxyStatusError() == null
                ? "rampart; received-status=" + reason.status()
                : "rampart; error=" + reason.proxyStatusError();
        assertEquals(Optional.of(expectedProxyStatus), envelope.header("Proxy-Status"));
    }

    @Test
    void upstreamErrorRetryableDependsOnTheUpstreamStatus() {
        assertUpstreamError(503, "true", true);
        assertUpstreamError(502, "true", true);
        assertUpstreamError(504, "true", true);
        assertUpstreamError(500, "false", false);
        assertUpstreamError(404, "false", false);
    }

    private void assertUpstreamError(int status, String envelopeRetryable, boolean problemRetryable) {
        RenderedError envelope = renderer.render(upstreamError(status), ErrorFormat.ENVELOPE);
        Map<String, Object> body = TestJson.object(envelope.body());
        assertEquals(status, envelope.status());
        assertEquals((long) status, body.get("code"));
        assertEquals("UPSTREAM_ERROR", body.get("reason"));
        assertEquals(envelopeRetryable, child(body, "metadata").get("retryable"), "status " + status);
        assertEquals(Optional.of("rampart; received-status=" + status), envelope.header("Proxy-Status"));

        Map<String, Object> problem = TestJson.object(renderer.render(upstreamError(status), ErrorFormat.PROBLEM_DETAILS).body());
        assertEquals(problemRetryable, problem.get("retryable"), "status " + status);
        assertEquals((long) status, problem.get("status"));
    }

    @Test
    void problemDetailsHaveRfc9457MembersAndTypedExtensions() {
        ErrorContext ctx = ErrorContext.of(Reason.CIRCUIT_OPEN, ID, "default", "app", 2)
                .withRetryAfterSeconds(5).withDetails("2 of 2 endpoints open");
        RenderedError error = renderer.render(ctx, "application/problem+json");

        assertEquals("application/problem+json", error.contentType());
        assertEquals(503, error.status());
        Map<String, Object> body = TestJson.object(error.body());
        assertEquals(List.of("type", "title", "status", "detail", "instance",
                "reason", "request_id", "retryable", "attempts", "retry_after"), List.copyOf(body.keySet()));
        assertEquals("https://rampart.dev/errors/circuit-open", body.get("type"));
        assertEquals("The upstream service is unavailable; retry later.", body.get("title"));
        assertEquals(503L, body.get("status"));
        assertEquals("2 of 2 endpoints open", body.get("detail"));
        assertEquals("urn:request:" + ID, body.get("instance"));
        assertEquals("CIRCUIT_OPEN", body.get("reason"));
        assertEquals(ID, body.get("request_id"));
        assertEquals(Boolean.TRUE, body.get("retryable"));
        assertEquals(2L, body.get("attempts"));
        assertEquals(5L, body.get("retry_after"));
        assertEquals(Optional.of("5"), error.header("Retry-After"));
        assertEquals(Optional.of(ID), error.header("X-Request-Id"));
    }

    @Test
    void problemDetailWithoutDetailsIsTheTitle() {
        Map<String, Object> body = TestJson.object(
                renderer.render(ErrorContext.of(Reason.SHUTTING_DOWN, ID, null, null, 0), ErrorFormat.PROBLEM_DETAILS).body());
        assertEquals(Reason.SHUTTING_DOWN.defaultMessage(), body.get("detail"));
    }

    @Test
    void instancePercentEncodesWhatAUrnCannotHold() {
        assertEquals("urn:request:a%20b/c%3F",
                ErrorBodyWriter.instance("a b/c?"));
        assertEquals("urn:request:caf%C3%A9%25", ErrorBodyWriter.instance("caf\u00e9%"));
        assertEquals("urn:request:plain-id_1.2~x", ErrorBodyWriter.instance("plain-id_1.2~x"));
        assertEquals("urn:request:AZaz09", ErrorBodyWriter.instance("AZaz09"), "both ends of each range as they are");
        assertEquals("urn:request:%5B%60%7B", ErrorBodyWriter.instance("[`{"), "the characters just past them encoded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/problem+json", "application/json;q=0.5, application/problem+json"})
    void acceptPreferringProblemJsonGivesProblemDetails(String accept) {
        RenderedError error = renderer.render(ErrorContext.of(Reason.ROUTE_NOT_FOUND, ID, null, null, 0), accept);
        assertEquals("application/problem+json", error.contentType());
        assertEquals("ROUTE_NOT_FOUND", TestJson.object(error.body()).get("reason"));
        assertTrue(TestJson.object(error.body()).containsKey("type"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*/*", "application/*", "application/json", "text/html", "application/problem+json;q=0",
            "application/problem+json;q=oops"})
    void otherAcceptGivesTheEnvelope(String accept) {
        RenderedError error = renderer.render(ErrorContext.of(Reason.ROUTE_NOT_FOUND, ID, null, null, 0), accept);
        assertEquals("application/json", error.contentType());
        assertTrue(TestJson.object(error.body()).containsKey("metadata"), accept);
    }

    @Test
    void detailWithQuotesNewlinesAndControlCharsIsEscapedInJsonAndProxyStatus() {
        String detail = "said \"no\"\\\r\nnext line\ttab\u0000nul\u001bESC \u00e9";
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_BAD_RESPONSE, ID, "default", "app", 1).withDetails(detail);

        RenderedError problem = renderer.render(ctx, ErrorFormat.PROBLEM_DETAILS);
        String json = new String(problem.body(), StandardCharsets.UTF_8);
        // JSON keeps the text exactly, escaped: it parses back to the same string ...
        assertEquals(detail, TestJson.object(problem.body()).get("detail"));
        // ... and no raw control character is left in the body.
        assertTrue(json.chars().noneMatch(c -> c < 0x20), json);
        assertTrue(json.contains("said \\\"no\\\"\\\\\\r\\nnext line\\ttab\\u0000nul\\u001BESC"), json);

        String proxyStatus = problem.header("Proxy-Status").orElseThrow();
        assertEquals("rampart; error=http_protocol_error; details=\"said \\\"no\\\"\\\\  next line tab nul ESC ?\"",
                proxyStatus);
    }

    @Test
    void messageIsAlwaysTheReasonsOwnEvenWithDetails() {
        ErrorContext ctx = upstreamError(500).withDetails("java.sql.SQLException at db-7.internal:5432");
        Map<String, Object> envelope = TestJson.object(renderer.render(ctx, ErrorFormat.ENVELOPE).body());
        assertEquals(Reason.UPSTREAM_ERROR.defaultMessage(), envelope.get("message"));
        assertFalse(new String(renderer.render(ctx, ErrorFormat.ENVELOPE).body(), StandardCharsets.UTF_8)
                .contains("SQLException"));
        Map<String, Object> problem = TestJson.object(renderer.render(ctx, ErrorFormat.PROBLEM_DETAILS).body());
        assertEquals(Reason.UPSTREAM_ERROR.defaultMessage(), problem.get("title"));
    }

    @Test
    void bodyIsExactlyTheUtf8Encoding() {
        String id = "r\u00e9q-\u4e2d-\uD83D\uDE00";
        RenderedError error = renderer.render(ErrorContext.of(Reason.INTERNAL_ERROR, id, "r\u00f6ute", null, 0),
                ErrorFormat.ENVELOPE);
        String expected = "{\"code\":500,\"reason\":\"INTERNAL_ERROR\",\"message\":\"The proxy failed to handle the request.\","
                + "\"metadata\":{\"request_id\":\"" + id + "\",\"route\":\"r\u00f6ute\",\"attempts\":\"0\",\"retryable\":\"false\"}}";
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), error.body());
    }

    @Test
    void loneSurrogatesDoNotBreakRendering() {
        ErrorContext ctx = ErrorContext.of(Reason.INTERNAL_ERROR, "id-\uD800", null, null, 0).withDetails("x\uDC00y");
        for (ErrorFormat format : ErrorFormat.values()) {
            RenderedError error = renderer.render(ctx, format);
            TestJson.object(error.body());
            assertEquals(Optional.of("rampart; error=proxy_internal_error; details=\"x?y\""), error.header("Proxy-Status"));
        }
    }

    @Test
    void renderingIsRepeatableAndIndependentPerCall() {
        ErrorContext ctx = ErrorContext.of(Reason.GATEWAY_TIMEOUT, ID, "default", "app", 3);
        byte[] first = renderer.render(ctx, ErrorFormat.ENVELOPE).body();
        byte[] second = renderer.render(ctx, ErrorFormat.ENVELOPE).body();
        assertArrayEquals(first, second);
        first[0] = 'x';
        assertEquals('{', renderer.render(ctx, ErrorFormat.ENVELOPE).body()[0]);
    }
}
