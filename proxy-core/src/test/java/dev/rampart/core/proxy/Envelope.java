package dev.rampart.core.proxy;

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
 * The error envelope as a client reads it, parsed strictly (a duplicate key or trailing content
 * fails), so end-to-end tests can assert on reasons and metadata instead of matching strings.
 */
record Envelope(long code, String reason, String message, Map<String, String> metadata) {

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    static Envelope parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static Envelope parse(byte[] json) {
        long code = -1;
        String reason = null;
        String message = null;
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT, json);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "code" -> code = p.getLongValue();
                    case "reason" -> reason = p.getText();
                    case "message" -> message = p.getText();
                    case "metadata" -> {
                        expect(value, JsonToken.START_OBJECT, json);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String key = p.currentName();
                            expect(p.nextToken(), JsonToken.VALUE_STRING, json);
                            metadata.put(key, p.getText());
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new AssertionError("trailing content after the envelope: " + text(json));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON envelope: " + text(json), e);
        }
        return new Envelope(code, reason, message, metadata);
    }

    String requestId() {
        return metadata.get("request_id");
    }

    private static void expect(JsonToken actual, JsonToken expected, byte[] json) {
        if (actual != expected) {
            throw new AssertionError("expected " + expected + " but got " + actual + " in " + text(json));
        }
    }

    private static String text(byte[] json) {
        return new String(json, StandardCharsets.UTF_8);
    }
}
