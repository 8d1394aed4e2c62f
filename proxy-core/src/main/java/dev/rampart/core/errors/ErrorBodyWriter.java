package dev.rampart.core.errors;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Writes the two error bodies with Jackson's streaming generator: JSON escaping of request ids and
 * details is Jackson's, never hand-made, and no tree or intermediate string is built.
 *
 * <p>One {@link JsonFactory} is made per writer and shared by every call (it is thread-safe once
 * configured; making one is the expensive part). The output buffer starts at {@value #INITIAL_CAPACITY}
 * bytes, enough for a typical envelope, so it grows at most once.
 *
 * <p>Member types differ on purpose between the two formats. The envelope's {@code metadata} values are
 * all strings, as PRODUCT.md §3.2 publishes them. Problem details follow RFC 9457's own typing:
 * {@code status} is a number, and the extension members use the natural JSON type, so {@code retryable}
 * is a boolean and {@code attempts} and {@code retry_after} are numbers, while {@code reason} and
 * {@code request_id} are strings.
 */
final class ErrorBodyWriter {

    static final int INITIAL_CAPACITY = 384;

    private static final String INSTANCE_PREFIX = "urn:request:";
    private static final String HEX = "0123456789ABCDEF";

    /** Characters outside the BMP are written as 4-byte UTF-8 rather than as escaped surrogate pairs. */
    private final JsonFactory jsonFactory = JsonFactory.builder()
            .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .build();
    private final Map<Reason, String> problemTypes = new EnumMap<>(Reason.class);

    ErrorBodyWriter() {
        for (Reason reason : Reason.values()) {
            problemTypes.put(reason, reason.problemType());
        }
    }

    /**
     * {@code {"code":…,"reason":…,"message":…,"metadata":{"request_id":…,"route":…,"upstream":…,
     * "attempts":…,"retryable":…,"retry_after":…}}}; route, upstream and retry_after only when known.
     */
    byte[] envelope(ErrorContext ctx) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_CAPACITY);
        try (JsonGenerator g = jsonFactory.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeNumberField("code", ctx.status());
            g.writeStringField("reason", ctx.reason().name());
            g.writeStringField("message", ctx.reason().defaultMessage());
            g.writeObjectFieldStart("metadata");
            g.writeStringField("request_id", ctx.requestId());
            if (ctx.route() != null) {
                g.writeStringField("route", ctx.route());
            }
            if (ctx.upstream() != null) {
                g.writeStringField("upstream", ctx.upstream());
            }
            g.writeStringField("attempts", Integer.toString(ctx.attempts()));
            g.writeStringField("retryable", ctx.retryable() ? "true" : "false");
            if (ctx.retryAfterSeconds().isPresent()) {
                g.writeStringField("retry_after", Long.toString(retryAfter(ctx)));
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /**
     * RFC 9457: {@code type}, {@code title} (the reason's message), {@code status}, {@code detail} (the
     * context's safe details, else the title), {@code instance} ({@code urn:request:<id>}), then the
     * extension members {@code reason}, {@code request_id}, {@code retryable}, {@code attempts} and
     * {@code retry_after} when known.
     */
    byte[] problemDetails(ErrorContext ctx) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(INITIAL_CAPACITY);
        try (JsonGenerator g = jsonFactory.createGenerator(out, JsonEncoding.UTF8)) {
            Reason reason = ctx.reason();
            g.writeStartObject();
            g.writeStringField("type", problemTypes.get(reason));
            g.writeStringField("title", reason.defaultMessage());
            g.writeNumberField("status", ctx.status());
            g.writeStringField("detail", ctx.details() != null ? ctx.details() : reason.defaultMessage());
            g.writeStringField("instance", instance(ctx.requestId()));
            g.writeStringField("reason", reason.name());
            g.writeStringField("request_id", ctx.requestId());
            g.writeBooleanField("retryable", ctx.retryable());
            g.writeNumberField("attempts", ctx.attempts());
            if (ctx.retryAfterSeconds().isPresent()) {
                g.writeNumberField("retry_after", retryAfter(ctx));
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return out.toByteArray();
    }

    /** Retry-After is delta-seconds, which cannot be negative; a negative value means "now". */
    static long retryAfter(ErrorContext ctx) {
        return Math.max(0L, ctx.retryAfterSeconds().getAsLong());
    }

    /**
     * {@code urn:request:<id>}, with every character a URN's name part may not hold percent-encoded
     * (UTF-8), so that a strange incoming request id still gives a valid URI reference.
     */
    static String instance(String requestId) {
        int firstUnsafe = 0;
        while (firstUnsafe < requestId.length() && isUrnNameChar(requestId.charAt(firstUnsafe))) {
            firstUnsafe++;
        }
        if (firstUnsafe == requestId.length()) {
            return INSTANCE_PREFIX + requestId;
        }
        StringBuilder out = new StringBuilder(INSTANCE_PREFIX.length() + requestId.length() + 16);
        out.append(INSTANCE_PREFIX).append(requestId, 0, firstUnsafe);
        byte[] rest = requestId.substring(firstUnsafe).getBytes(StandardCharsets.UTF_8);
        for (byte b : rest) {
            char c = (char) (b & 0xFF);
            if (c < 0x80 && isUrnNameChar(c)) {
                out.append(c);
            } else {
                out.append('%').append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 0xF));
            }
        }
        return out.toString();
    }

    /** RFC 8141 NSS characters: {@code pchar / "/"} less {@code %}, which would start an escape. */
    private static boolean isUrnNameChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
    }
}
