package dev.rampart.core.config;

import java.util.List;
import java.util.Set;

/**
 * A route's {@code compression.types} naming media types whose bodies are compressed already: images other than
 * SVG, video, audio, web fonts and archives. gzip spends CPU on them and saves nothing (often it adds a few bytes),
 * which is why {@code *}/{@code *} is refused; a wildcard such as {@code image/*} or {@code application/*} takes
 * them in the same way, so it is worth a word.
 */
final class CompressedTypesWarning {

    /** Types whose every subtype, or nearly, is compressed: listed whole, they take those. */
    private static final Set<String> COMPRESSED_FAMILIES = Set.of("image/*", "video/*", "audio/*", "font/*",
            "application/*");
    private static final Set<String> COMPRESSED_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/webp",
            "image/avif", "font/woff", "font/woff2", "application/zip", "application/gzip", "application/x-gzip",
            "application/zstd", "application/x-bzip2", "application/x-xz", "application/x-7z-compressed",
            "application/vnd.rar", "application/x-rar-compressed");

    private CompressedTypesWarning() {
    }

    static void add(RouteConfig route, List<String> warnings) {
        route.compression().ifPresent(compression -> {
            List<String> compressed = compression.types().stream()
                    .filter(type -> COMPRESSED_FAMILIES.contains(type) || COMPRESSED_TYPES.contains(type)
                            || type.startsWith("video/") || type.startsWith("audio/"))
                    .toList();
            if (!compressed.isEmpty()) {
                warnings.add("route \"" + route.name() + "\": compression.types lists " + String.join(", ", compressed)
                        + ", which " + (compressed.size() == 1 ? "takes" : "take") + " bodies that are compressed"
                        + " already (images, video, audio, fonts, archives): gzip costs CPU on them and saves nothing;"
                        + " list the text types");
            }
        });
    }
}
