package dev.rampart.core.proxy;

/**
 * Why a request whose line names no valid HTTP-version is refused; never thrown. RFC 9112 §2.3 writes a version
 * as {@code HTTP/} DIGIT {@code .} DIGIT, name in upper case; Netty's parse also takes {@code http/2.0},
 * {@code HTTP/2.01} and {@code HTTP/10.0} for versions. Marking such a line failed where it is read keeps them
 * what they are, malformed (a 400, as Netty's own failure for {@code HTTP/9} is), so that a version the decoder
 * lets through is one the client truly wrote: {@code HTTP/2.0} asks for a 505, {@code http/2.0} does not.
 */
final class MalformedHttpVersion extends Exception {

    MalformedHttpVersion(String version) {
        super("malformed HTTP-version in the request line: " + version, null, false, false);
    }

    /** Whether {@code version}, as the request line wrote it, is {@code HTTP/} DIGIT {@code .} DIGIT. */
    static boolean isWellFormed(String version) {
        return version.length() == 8 && version.startsWith("HTTP/") && isDigit(version.charAt(5))
                && version.charAt(6) == '.' && isDigit(version.charAt(7));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
