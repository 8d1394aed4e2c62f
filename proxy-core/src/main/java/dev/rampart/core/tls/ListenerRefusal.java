package dev.rampart.core.tls;

/**
 * The listener's own reasons to end a handshake, as the JDK words them (it tells no alert it sent otherwise).
 * Each is matched at the start of the message: a message that quotes the client (an illegal SNI name, which
 * may read {@code "legacy_protocol.internal"}) begins with words of the JDK's that are none of these, so that
 * no client can pick its own bucket.
 */
final class ListenerRefusal {

    private ListenerRefusal() {
    }

    /** A client that sent no certificate to a listener that requires one (TLS 1.3 and 1.2 alike). */
    static boolean noClientCertificate(String message) {
        return message != null && message.startsWith("Empty client certificate chain");
    }

    /**
     * A client that offers no TLS version or cipher suite the listener allows: a version the listener has
     * disabled ("Client requested protocol TLSv1.1 is not enabled or supported in server context"), versions
     * none of which it takes ("The client supported protocol versions [TLSv1.2] are not accepted by server
     * preferences [TLSv1.3]"), no suite in common, or nothing both sides can use at all.
     */
    static boolean noCommonProtocol(String message) {
        return message != null && (message.startsWith("Client requested protocol ")
                || message.startsWith("The client supported protocol versions ")
                || message.startsWith("no cipher suites in common")
                || message.startsWith("No appropriate protocol"));
    }
}
