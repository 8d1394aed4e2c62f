package dev.rampart.core.tls;

import io.netty.handler.ssl.SslHandshakeTimeoutException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLProtocolException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How a failed handshake is classified, from the JDK's exceptions as its server engine throws them (the
 * messages below are its own): by who ended it, the alert, and what the engine asked of the client.
 * {@code HandshakeFailureReasonTest} checks the same over real handshakes.
 */
class HandshakeFailureTest {

    private static final SSLEngine ASKS_NOTHING = engine(false, false);
    private static final SSLEngine REQUIRES = engine(true, false);
    private static final SSLEngine WANTS = engine(false, true);

    @Test
    void theListenersOwnRefusalsAreToldApartByTheJdksWords() {
        assertEquals(HandshakeFailure.TIMEOUT, HandshakeFailure.of(new SslHandshakeTimeoutException("timed out"), REQUIRES));
        assertEquals(HandshakeFailure.NO_CLIENT_CERTIFICATE,
                HandshakeFailure.of(new SSLHandshakeException("Empty client certificate chain"), REQUIRES));
        assertEquals(HandshakeFailure.NO_COMMON_PROTOCOL, HandshakeFailure.of(new SSLHandshakeException(
                "The client supported protocol versions [TLSv1.2] are not accepted by server preferences [TLSv1.3]"),
                ASKS_NOTHING));
        assertEquals(HandshakeFailure.NO_COMMON_PROTOCOL, HandshakeFailure.of(new SSLHandshakeException(
                "Client requested protocol TLSv1.1 is not enabled or supported in server context"), ASKS_NOTHING));
        assertEquals(HandshakeFailure.NO_COMMON_PROTOCOL,
                HandshakeFailure.of(new SSLHandshakeException("no cipher suites in common"), ASKS_NOTHING));
        assertEquals(HandshakeFailure.NO_COMMON_PROTOCOL, HandshakeFailure.of(new SSLHandshakeException(
                "No appropriate protocol (protocol is disabled or cipher suites are inappropriate)"), ASKS_NOTHING));
        assertEquals(HandshakeFailure.CLOSED, HandshakeFailure.of(new ClosedChannelException(), ASKS_NOTHING));
        assertEquals(HandshakeFailure.CLOSED, HandshakeFailure.of(new IOException("Connection reset by peer"), ASKS_NOTHING));
        assertEquals(HandshakeFailure.OTHER,
                HandshakeFailure.of(new SSLException("Unsupported or unrecognized SSL message"), ASKS_NOTHING));
        assertEquals(HandshakeFailure.OTHER, HandshakeFailure.of(new IllegalStateException((String) null), ASKS_NOTHING));
    }

    @Test
    void aClientCertificateRefusalCountsOnlyWhereCertificatesAreAskedFor() {
        SSLHandshakeException untrusted = new SSLHandshakeException("no path to a trust anchor");
        untrusted.initCause(new CertificateException("no path to a trust anchor"));
        assertEquals(HandshakeFailure.UNTRUSTED_CLIENT_CERTIFICATE, HandshakeFailure.of(untrusted, REQUIRES));
        assertEquals(HandshakeFailure.UNTRUSTED_CLIENT_CERTIFICATE, HandshakeFailure.of(untrusted, WANTS));
        assertEquals(HandshakeFailure.OTHER, HandshakeFailure.of(untrusted, ASKS_NOTHING));
        assertEquals(HandshakeFailure.OTHER,
                HandshakeFailure.of(new SSLHandshakeException("Empty client certificate chain"), WANTS),
                "an optional certificate left out is no failure of the listener's");
    }

    @Test
    void aClientsAlertIsClassifiedByItsDescription() {
        for (String refusal : new String[] {"bad_certificate", "unsupported_certificate", "certificate_revoked",
                "certificate_expired", "certificate_unknown", "unknown_ca", "bad_certificate_status_response"}) {
            assertEquals(HandshakeFailure.UNTRUSTED_LISTENER_CERTIFICATE, received(refusal, ASKS_NOTHING), refusal);
            assertEquals(HandshakeFailure.UNTRUSTED_LISTENER_CERTIFICATE, received(refusal, REQUIRES), refusal);
        }
        for (String noCommon : new String[] {"protocol_version", "handshake_failure", "insufficient_security",
                "no_application_protocol"}) {
            assertEquals(HandshakeFailure.NO_COMMON_PROTOCOL, received(noCommon, ASKS_NOTHING), noCommon);
        }
        for (String other : new String[] {"certificate_required", "decrypt_error", "illegal_parameter",
                "unexpected_message", "access_denied"}) {
            assertEquals(HandshakeFailure.OTHER, received(other, ASKS_NOTHING), other);
            assertEquals(HandshakeFailure.OTHER, received(other, REQUIRES), other);
        }
    }

    @Test
    void wordsTheClientSentPickNoReason() {
        for (String name : new String[] {"legacy_protocol.internal", "certificate_required.internal",
                "x.Received fatal alert: unknown_ca"}) {
            SSLProtocolException illegal = new SSLProtocolException("Illegal server name, type=host_name(0), name="
                    + name + ", value={}");
            illegal.initCause(new IllegalArgumentException("Contains non-LDH ASCII characters"));
            assertEquals(HandshakeFailure.OTHER, HandshakeFailure.of(illegal, REQUIRES), name);
        }
    }

    @Test
    void labelsAreTheNamesInLowerCase() {
        assertEquals("untrusted_client_certificate", HandshakeFailure.UNTRUSTED_CLIENT_CERTIFICATE.label());
        assertEquals("untrusted_listener_certificate", HandshakeFailure.UNTRUSTED_LISTENER_CERTIFICATE.label());
    }

    /** What the JDK's server engine throws on a fatal alert from the client. */
    private static HandshakeFailure received(String description, SSLEngine engine) {
        return HandshakeFailure.of(new SSLHandshakeException("Received fatal alert: " + description), engine);
    }

    private static SSLEngine engine(boolean need, boolean want) {
        try {
            SSLEngine engine = SSLContext.getDefault().createSSLEngine();
            engine.setUseClientMode(false);
            if (need) {
                engine.setNeedClientAuth(true);
            } else if (want) {
                engine.setWantClientAuth(true);
            }
            return engine;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
