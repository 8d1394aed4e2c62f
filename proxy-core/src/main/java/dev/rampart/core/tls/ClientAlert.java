package dev.rampart.core.tls;

import java.util.Set;

/**
 * A fatal alert the client sent, as the JDK reports it: an {@code SSLException} with no cause that says
 * {@code "Received fatal alert: <description>"}, and only for an alert received (the listener's own failures
 * are worded otherwise, and one its trust manager threw carries that exception as its cause). The alert, not a
 * word found anywhere in the message, tells what the client objected to.
 */
final class ClientAlert {

    private static final String RECEIVED = "Received fatal alert: ";

    /**
     * The alerts (RFC 8446 §6.2) a client sends about the certificate it was shown, which is always the
     * listener's: the one a client sends for an unknown issuer (an intermediate left out of {@code cert-chain},
     * a private CA the client lacks) or a name it did not ask for, and the ones for an expired or revoked one.
     */
    private static final Set<String> LISTENER_CERTIFICATE = Set.of("bad_certificate", "unsupported_certificate",
            "certificate_revoked", "certificate_expired", "certificate_unknown", "unknown_ca",
            "bad_certificate_status_response");

    /**
     * The alerts of a client that found nothing it accepts in what the listener chose: no version, no security
     * parameters, or (ALPN) no application protocol it will speak (a client that speaks only h2).
     */
    private static final Set<String> NO_COMMON_PROTOCOL = Set.of("protocol_version", "handshake_failure",
            "insufficient_security", "no_application_protocol");

    private ClientAlert() {
    }

    /**
     * The description of the alert the client sent, from the {@code SSLException} the handshake failed with;
     * null when it is not the JDK's for a received alert. The prefix is at the start, where no text from the
     * client (an SNI name quoted later in a message) can put it.
     */
    static String description(Throwable failure) {
        String message = failure.getMessage();
        if (failure.getCause() != null || message == null || !message.startsWith(RECEIVED)) {
            return null;
        }
        int end = message.indexOf(' ', RECEIVED.length());
        return message.substring(RECEIVED.length(), end < 0 ? message.length() : end);
    }

    /**
     * What a client's alert {@code description} says of the handshake. Everything else a client may send is
     * {@code other}: {@code decrypt_error} (a signature or Finished the client could not verify: the listener's
     * key is checked against its certificate when it is loaded, so what is left is a broken client or something
     * altering the bytes between), {@code illegal_parameter}, and {@code certificate_required}, which only a
     * server sends, so that a client's one is no sign of a missing client certificate.
     */
    static HandshakeFailure failure(String description) {
        if (LISTENER_CERTIFICATE.contains(description)) {
            return HandshakeFailure.UNTRUSTED_LISTENER_CERTIFICATE;
        }
        if (NO_COMMON_PROTOCOL.contains(description)) {
            return HandshakeFailure.NO_COMMON_PROTOCOL;
        }
        return HandshakeFailure.OTHER;
    }
}
