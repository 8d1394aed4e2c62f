package dev.rampart.core.tls;

import io.netty.handler.ssl.SslClosedEngineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;

/**
 * Why a client's TLS handshake with the listener failed, as the label of
 * {@code rampart_tls_handshake_failures_total{reason}}: so that an operator can tell clients refused for their
 * certificate (mutual TLS), clients that refuse the listener's certificate, clients that speak no version or
 * cipher suite the listener allows, and the connections that were only opened and dropped (load balancers' TCP
 * checks, scanners) apart, as Envoy's {@code ssl.fail_verify_*} and {@code ssl.connection_error} statistics do.
 */
public enum HandshakeFailure {
    /** The listener requires a certificate and the client sent none. */
    NO_CLIENT_CERTIFICATE,
    /** The client's certificate does not chain to the trust file, or is out of its dates. */
    UNTRUSTED_CLIENT_CERTIFICATE,
    /**
     * The client refused the listener's certificate with an alert about it (expired, unknown issuer, an
     * intermediate missing from {@code cert-chain}, revoked, a name it did not ask for).
     */
    UNTRUSTED_LISTENER_CERTIFICATE,
    /** No TLS version or cipher suite (or, by the client's alert, application protocol) both sides allow. */
    NO_COMMON_PROTOCOL,
    /** Not complete within {@code request-header-timeout}. */
    TIMEOUT,
    /** The client closed or reset the connection first. */
    CLOSED,
    /** Anything else: a malformed hello, an illegal SNI name, another alert of the client's own. */
    OTHER;

    /** Every label, for series that exist before the first failure. */
    public static final List<HandshakeFailure> ALL = List.of(values());

    /** The label: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Classifies the cause a handshake on {@code engine} failed with, by what is known of it: an alert the client
     * sent, or the failure the listener ended the handshake for; and whether this engine asked the client for a
     * certificate at all (a client is never counted as refused for its certificate by a listener that asked for
     * none). Runs on failed handshakes only.
     */
    public static HandshakeFailure of(Throwable cause, SSLEngine engine) {
        boolean certificateRequired = engine.getNeedClientAuth();
        boolean certificateAsked = certificateRequired || engine.getWantClientAuth();
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof SSLException) {
                String alert = ClientAlert.description(t);
                if (alert != null) {
                    return ClientAlert.failure(alert);
                }
                if (certificateRequired && ListenerRefusal.noClientCertificate(t.getMessage())) {
                    return NO_CLIENT_CERTIFICATE;
                }
                if (ListenerRefusal.noCommonProtocol(t.getMessage())) {
                    return NO_COMMON_PROTOCOL;
                }
            }
            if (t instanceof CertificateException) {
                // Only the client's certificate is checked on the listener's side of a handshake.
                return certificateAsked ? UNTRUSTED_CLIENT_CERTIFICATE : OTHER;
            }
            if (t instanceof ClosedChannelException || t instanceof SslClosedEngineException
                    || (t instanceof IOException && !(t instanceof SSLException))) {
                return CLOSED;
            }
        }
        return OTHER;
    }
}
