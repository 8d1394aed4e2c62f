package dev.rampart.server.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/** The admin server's own JSON bodies: fixed ones as constants, the breaker list through Jackson's generator. */
final class AdminJson {

    static final String OK = "{\"status\":\"ok\"}";
    static final String READY = "{\"status\":\"ready\"}";
    static final String DRAINING = "{\"status\":\"draining\"}";
    static final String NOT_FOUND = "{\"error\":\"not_found\"}";
    static final String METHOD_NOT_ALLOWED = "{\"error\":\"method_not_allowed\"}";
    static final String BAD_REQUEST = "{\"error\":\"bad_request\"}";
    static final String HEADERS_TOO_LARGE = "{\"error\":\"request_header_fields_too_large\"}";
    static final String TOO_LARGE = "{\"error\":\"payload_too_large\"}";
    static final String EXPECTATION_FAILED = "{\"error\":\"expectation_failed\"}";
    static final String INTERNAL_ERROR = "{\"error\":\"internal_error\"}";

    private final JsonFactory jsonFactory = new JsonFactory();

    /** A JSON array with one object per breaker; a non-finite failure rate is written as null. */
    String breakers(List<BreakerView> views) {
        StringWriter out = new StringWriter(64 + 160 * views.size());
        try (JsonGenerator g = jsonFactory.createGenerator(out)) {
            g.writeStartArray();
            for (BreakerView view : views) {
                g.writeStartObject();
                g.writeStringField("upstream", view.upstream());
                g.writeStringField("endpoint", view.endpoint());
                g.writeStringField("state", view.state());
                g.writeFieldName("failure_rate");
                if (Double.isFinite(view.failureRate())) {
                    g.writeNumber(view.failureRate());
                } else {
                    g.writeNull();
                }
                g.writeNumberField("calls_in_window", view.callsInWindow());
                g.writeNumberField("seconds_to_half_open", view.secondsToHalfOpen());
                g.writeStringField("health", view.health());
                g.writeBooleanField("backup", view.backup());
                g.writeEndObject();
            }
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a string writer does not fail
        }
        return out.toString();
    }
}
