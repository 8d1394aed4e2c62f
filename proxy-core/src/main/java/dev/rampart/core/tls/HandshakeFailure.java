package dev.rampart.core.tls;

import io.netty.handler.ssl.SslClosedEngineException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;

/**
 * Why a client's TLS handshake with the listener failed, as the label of
 * {@code rampart_tls_handshake_failures_total{reason}}: so that an operator can tell clients refused for their
 * certificate (mutual TLS), clients that speak no version or cipher suite the listener allows, and the
 * connections that were only opened and dropped (load balancers' TCP checks, scanners) apart, as Envoy's
 * {@code ssl.fail_verify_*} and {@code ssl.connection_error} statistics do.
 */
public enum HandshakeFailure {
    /** The listener requires a certificate and the client sent none. */
    NO_CLIENT_CERTIFICATE,
    /** The client's certificate does not chain to the trust file, or is out of its dates. */
    UNTRUSTED_CLIENT_CERTIFICATE,
    /** No TLS version or cipher suite both sides allow. */
    NO_COMMON_PROTOCOL,
    /** Not complete within {@code request-header-timeout}. */
    TIMEOUT,
    /** The client closed or reset the connection first. */
    CLOSED,
    /** Anything else: a malformed hello, an alert of the client's own. */
    OTHER;

    /** Every label, for series that exist before the first failure. */
    public static final List<HandshakeFailure> ALL = List.of(values());

    /** The label: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Classifies the cause the handshake failed with. */
    public static HandshakeFailure of(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof CertificateException) {
                return UNTRUSTED_CLIENT_CERTIFICATE;
            }
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("empty client certificate chain") || message.contains("certificate_required")) {
                return NO_CLIENT_CERTIFICATE;
            }
            if (message.contains("protocol") || message.contains("cipher suites in common")) {
                return NO_COMMON_PROTOCOL;
            }
            if (t instanceof ClosedChannelException || t instanceof SslClosedEngineException
                    || (t instanceof IOException && !(t instanceof javax.net.ssl.SSLException))) {
                return CLOSED;
            }
        }
        return OTHER;
    }
}
