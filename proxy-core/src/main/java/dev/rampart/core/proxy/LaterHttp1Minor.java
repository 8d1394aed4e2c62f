package dev.rampart.core.proxy;

/**
 * A later minor version of HTTP/1 ({@code HTTP/1.2} to {@code HTTP/1.9}), which a recipient processes as the
 * highest minor version it speaks, HTTP/1.1 (RFC 9110 §2.5), whether the message is a client's request or an
 * upstream's response; nginx does the same on both sides. Any other version is left for the validations to
 * refuse: {@code HTTP/1.10}, {@code HTTP/01.1} and {@code http/1.1} are malformed, not later.
 */
public final class LaterHttp1Minor {

    private LaterHttp1Minor() {
    }

    /** Whether {@code version}, as the start line wrote it, is HTTP/1.2 to HTTP/1.9. */
    public static boolean is(String version) {
        return version.length() == 8 && version.startsWith("HTTP/1.") && version.charAt(7) >= '2'
                && version.charAt(7) <= '9';
    }
}
