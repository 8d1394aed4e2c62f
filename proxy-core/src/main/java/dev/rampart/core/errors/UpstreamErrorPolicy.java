package dev.rampart.core.errors;

import dev.rampart.core.config.ErrorsConfig;

import java.util.List;

/**
 * Decides whether an upstream response reaches the client as it is or is replaced by the envelope
 * ({@code errors.rewrite-upstream} and {@code errors.rewrite-upstream-json}, PRODUCT.md §2).
 *
 * <p>A separate rule rather than a line in the proxy handler because it is the one decision that
 * controls whether upstream internals can leak, and so deserves its own tests. Only error statuses are
 * ever rewritten: 1xx, 2xx and 3xx pass whatever the configuration says.
 */
public final class UpstreamErrorPolicy {

    private UpstreamErrorPolicy() {
    }

    /**
     * Whether the upstream response is replaced by an {@link Reason#UPSTREAM_ERROR} envelope.
     *
     * @param cfg         the route's {@code errors} block
     * @param status      the upstream's status
     * @param contentType the upstream's {@code Content-Type}, or null when it sent none
     */
    public static boolean shouldRewrite(ErrorsConfig cfg, int status, String contentType) {
        if (status < 400 || !cfg.rewrites(status)) {
            return false;
        }
        return cfg.rewriteUpstreamJson() || !isJson(contentType);
    }

    /**
     * The one {@code Content-Type} of a response, or null when it has none or several: a client takes the last of
     * several (the Fetch standard), so a JSON first line says nothing of what it will read.
     */
    public static String soleValue(List<String> contentTypes) {
        return contentTypes.size() == 1 ? contentTypes.get(0) : null;
    }

    /**
     * Whether a {@code Content-Type} names JSON: {@code application/json} or any {@code application/*+json}
     * (RFC 6839 structured syntax suffix), parameters ignored, case-insensitive.
     */
    public static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int end = contentType.indexOf(';');
        String mediaType = (end < 0 ? contentType : contentType.substring(0, end)).trim();
        String type = "application/";
        if (!mediaType.regionMatches(true, 0, type, 0, type.length())) {
            return false;
        }
        String subtype = mediaType.substring(type.length());
        String suffix = "+json";
        return subtype.equalsIgnoreCase("json")
                || (subtype.length() > suffix.length()
                    && subtype.regionMatches(true, subtype.length() - suffix.length(), suffix, 0, suffix.length()));
    }
}
