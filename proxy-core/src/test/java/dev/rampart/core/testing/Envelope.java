package dev.rampart.core.testing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A parsed error body as the client received it: the envelope ({@code code, reason, message, metadata})
 * or RFC 9457 problem details. Strict: duplicate keys or trailing content fail the parse.
 */
public final class Envelope {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Map<String, Object> fields;

    private Envelope(Map<String, Object> fields) {
        this.fields = fields;
    }

    public static Envelope parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    public static Envelope parse(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError("not a JSON object: " + new String(json, StandardCharsets.UTF_8));
            }
            Map<String, Object> object = readObject(p);
            if (p.nextToken() != null) {
                throw new AssertionError("trailing content after the JSON object");
            }
            return new Envelope(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A top-level member: String, Long, Boolean, or a Map for an object. */
    public Object get(String key) {
        return fields.get(key);
    }

    public String string(String key) {
        Object v = fields.get(key);
        return v == null ? null : v.toString();
    }

    public long code() {
        return (Long) fields.get("code");
    }

    public String reason() {
        return string("reason");
    }

    public String message() {
        return string("message");
    }

    /** A {@code metadata} value (the envelope's metadata values are strings). */
    @SuppressWarnings("unchecked")
    public String metadata(String key) {
        Map<String, Object> metadata = (Map<String, Object>) fields.get("metadata");
        if (metadata == null) {
            throw new AssertionError("no metadata in " + fields);
        }
        Object v = metadata.get(key);
        if (v != null && !(v instanceof String)) {
            throw new AssertionError("metadata." + key + " is not a string: " + v);
        }
        return (String) v;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    private static Map<String, Object> readObject(JsonParser p) throws IOException {
        Map<String, Object> object = new LinkedHashMap<>();
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            object.put(name, readValue(p, p.nextToken()));
        }
        if (t != JsonToken.END_OBJECT) {
            throw new AssertionError("unexpected token " + t);
        }
        return object;
    }

    private static Object readValue(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> readObject(p);
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new AssertionError("unexpected token " + t);
        };
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
