/**
 * TLS shared by both sides of the proxy: {@code CurrentCertificatesTrustManager}, which checks a peer's
 * certificate against a configured trust file (an upstream endpoint's, or a client's under mutual TLS) and,
 * unlike the JDK alone, refuses a path whose trust anchor is out of its dates; {@code ClientCertificateHeader},
 * which tells the upstream which certificate a client presented; {@code HandshakeSettings}, the configured
 * TLS versions and cipher suites; {@code HandshakeBound}, the time a handshake may take, on either side; and {@code HandshakeFailure}, why a client's handshake with the listener
 * failed, told by the alert the client sent ({@code ClientAlert}) or the listener's own refusal
 * ({@code ListenerRefusal}).
 */
package dev.rampart.core.tls;
