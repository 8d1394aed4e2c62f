package dev.rampart.core.config;

import java.util.List;
import java.util.Locale;

/**
 * A route's {@code compression}: relayed responses of the listed media types are gzip-compressed for clients
 * that accept gzip (nginx's {@code gzip on}, Envoy's compressor filter).
 *
 * @param types     media types compressed, in lower case: {@code type/subtype}, or {@code type/*} for every
 *                  subtype of a type
 * @param minLength responses that declare a shorter {@code Content-Length} are sent as they are; a response
 *                  of unknown length is compressed
 * @param level     the deflate level, 1 (fastest) to 9 (smallest)
 */
public record CompressionConfig(List<String> types, long minLength, int level) {

    /** What a route compresses when it lists no {@code types}: text formats that shrink well. */
    public static final List<String> DEFAULT_TYPES = List.of(
            "text/html", "text/plain", "text/css", "text/csv", "text/xml", "text/javascript",
            "application/javascript", "application/json", "application/problem+json", "application/xml",
            "application/xhtml+xml", "image/svg+xml");

    public CompressionConfig {
        types = List.copyOf(types);
    }

    /**
     * Whether a response with this {@code Content-Type} value is compressed: its media type (parameters such as
     * {@code charset} aside, case ignored) is listed, or its type is listed as {@code type/*}.
     */
    public boolean compressesContentType(String contentType) {
        int end = contentType.indexOf(';');
        String mediaType = (end < 0 ? contentType : contentType.substring(0, end)).trim().toLowerCase(Locale.ROOT);
        int slash = mediaType.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        for (String type : types) {
            if (type.equals(mediaType)
                    || type.endsWith("/*") && type.length() == slash + 2 && mediaType.startsWith(type.substring(0, slash + 1))) {
                return true;
            }
        }
        return false;
    }
}
