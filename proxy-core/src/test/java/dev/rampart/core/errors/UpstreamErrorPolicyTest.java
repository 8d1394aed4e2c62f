package dev.rampart.core.errors;

import dev.rampart.core.config.ErrorsConfig;
import dev.rampart.core.config.ErrorsConfig.StatusClass;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamErrorPolicyTest {

    private static final ErrorsConfig SERVER_ERRORS = new ErrorsConfig(Set.of(StatusClass.SERVER_ERROR), true);
    private static final ErrorsConfig ALL_ERRORS = new ErrorsConfig(
            Set.of(StatusClass.CLIENT_ERROR, StatusClass.SERVER_ERROR), true);
    private static final ErrorsConfig NONE = new ErrorsConfig(Set.of(), true);
    private static final ErrorsConfig KEEP_JSON = new ErrorsConfig(Set.of(StatusClass.SERVER_ERROR), false);

    @Test
    void defaultRewritesServerErrorsOnly() {
        assertTrue(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 500, "text/html"));
        assertTrue(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 503, null));
        assertTrue(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 599, "text/plain"));
        assertFalse(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 404, "text/html"));
        assertFalse(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 429, "text/html"));
    }

    @Test
    void clientErrorsWhenConfigured() {
        assertTrue(UpstreamErrorPolicy.shouldRewrite(ALL_ERRORS, 404, "text/html"));
        assertTrue(UpstreamErrorPolicy.shouldRewrite(ALL_ERRORS, 400, "text/html"), "the first of the class");
        assertTrue(UpstreamErrorPolicy.shouldRewrite(ALL_ERRORS, 502, "text/html"));
    }

    @Test
    void emptyListRewritesNothing() {
        assertFalse(UpstreamErrorPolicy.shouldRewrite(NONE, 500, "text/html"));
        assertFalse(UpstreamErrorPolicy.shouldRewrite(NONE, 404, "text/html"));
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 101, 200, 204, 301, 304, 399})
    void nonErrorStatusesAreNeverRewritten(int status) {
        assertFalse(UpstreamErrorPolicy.shouldRewrite(ALL_ERRORS, status, "text/html"));
    }

    @Test
    void jsonIsRewrittenByDefault() {
        assertTrue(UpstreamErrorPolicy.shouldRewrite(SERVER_ERRORS, 500, "application/json"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/problem+json", "Application/JSON; charset=UTF-8",
            " application/vnd.api+json ;v=1", "APPLICATION/HAL+JSON"})
    void jsonIsKeptWhenConfiguredSo(String contentType) {
        assertFalse(UpstreamErrorPolicy.shouldRewrite(KEEP_JSON, 500, contentType), contentType);
        assertTrue(UpstreamErrorPolicy.isJson(contentType), contentType);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/html", "text/json", "application/jsonp", "application/+json", "application/xml",
            "json", "application/json-seq", ""})
    void nonJsonIsStillRewrittenWhenJsonIsKept(String contentType) {
        assertTrue(UpstreamErrorPolicy.shouldRewrite(KEEP_JSON, 500, contentType), contentType);
        assertFalse(UpstreamErrorPolicy.isJson(contentType), contentType);
    }

    @Test
    void missingContentTypeIsNotJson() {
        assertTrue(UpstreamErrorPolicy.shouldRewrite(KEEP_JSON, 502, null));
    }
}
