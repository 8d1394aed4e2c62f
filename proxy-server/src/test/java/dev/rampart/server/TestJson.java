package dev.rampart.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny strict JSON reader for tests (no databind on the classpath): objects become ordered maps,
 * arrays lists, integers {@code Long}, decimals {@code Double}, {@code null} null. A duplicate key or
 * trailing content fails, so a test catches a body that only looks right.
 */
public final class TestJson {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TestJson() {
    }

    /** The JSON value in {@code text}, which must hold exactly one value. */
    public static Object parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            Object value = read(p, p.nextToken());
            if (p.nextToken() != null) {
                throw new AssertionError("trailing content after the value: " + text);
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    /** {@link #parse} for a text that must be a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(String text) {
        Object value = parse(text);
        if (!(value instanceof Map)) {
            throw new AssertionError("not a JSON object: " + text);
        }
        return (Map<String, Object>) value;
    }

    private static Object read(JsonParser p, JsonToken token) throws IOException {
        if (token == null) {
            throw new AssertionError("empty JSON");
        }
        switch (token) {
            case START_OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    map.put(name, read(p, p.nextToken()));
                }
                return map;
            }
            case START_ARRAY: {
                List<Object> list = new ArrayList<>();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(read(p, next));
                }
                return list;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return true;
            case VALUE_FALSE:
                return false;
            case VALUE_NULL:
                return null;
            default:
                throw new AssertionError("unexpected token " + token);
        }
    }
}
