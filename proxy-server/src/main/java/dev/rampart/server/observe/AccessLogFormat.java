package dev.rampart.server.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import dev.rampart.core.observe.ExchangeRecord;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One access-log line as a JSON object (PRODUCT.md §3.7), written with Jackson's streaming generator so
 * that whatever a client puts in a path or a request id is escaped, never spliced into the line. Control
 * characters, including line breaks, are escaped, so one exchange is always exactly one line.
 *
 * <p>Every line has every key, in a fixed order, so log pipelines see one schema: an absent string (no
 * reason on success, no route matched, no upstream reached) and an unknown {@code upstream_ms} are
 * {@code null}. {@code time} always has milliseconds; durations are milliseconds with three decimals,
 * written as plain decimals (never exponent form).
 */
final class AccessLogFormat {

    /** Enough for a typical line, so the buffer grows at most once. */
    static final int INITIAL_CAPACITY = 384;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** Characters outside the BMP are written as 4-byte UTF-8 rather than as escaped surrogate pairs. */
    private final JsonFactory jsonFactory = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();

    /** The JSON object for {@code record}, without a line terminator. */
    String format(ExchangeRecord record) {
        StringWriter out = new StringWriter(INITIAL_CAPACITY);
        try (JsonGenerator g = jsonFactory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(Instant.ofEpochMilli(record.epochMillis())));
            g.writeStringField("request_id", record.requestId());
            g.writeStringField("client", record.client());
            g.writeStringField("method", record.method());
            g.writeStringField("path", record.path());
            g.writeNumberField("status", record.status());
            g.writeStringField("reason", record.reason());
            g.writeStringField("route", record.route());
            g.writeStringField("upstream", record.upstream());
            g.writeStringField("endpoint", record.endpoint());
            g.writeNumberField("attempts", record.attempts());
            g.writeNumberField("bytes_in", record.bytesIn());
            g.writeNumberField("bytes_out", record.bytesOut());
            g.writeFieldName("duration_ms");
            g.writeNumber(millis(record.durationNanos()));
            g.writeFieldName("upstream_ms");
            if (record.upstreamNanos() < 0) {
                g.writeNull();
            } else {
                g.writeNumber(millis(record.upstreamNanos()));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a string writer does not fail
        }
        return out.toString();
    }

    /** Nanoseconds as milliseconds with exactly three decimals, e.g. {@code 12.345}; negatives clamp to 0. */
    static String millis(long nanos) {
        long micros = (Math.max(0, nanos) + 500) / 1000;
        long fraction = micros % 1000;
        StringBuilder sb = new StringBuilder(12).append(micros / 1000).append('.');
        if (fraction < 100) {
            sb.append('0');
        }
        if (fraction < 10) {
            sb.append('0');
        }
        return sb.append(fraction).toString();
    }
}
