package dev.rampart.server;

import java.util.Properties;

/**
 * JDK TLS settings the server chooses when the operator has not: applied to the system properties before
 * any TLS class reads them, so it must run first thing in {@link Main}.
 *
 * <p>Client-initiated renegotiation (TLS 1.2 and earlier) is refused, as nginx refuses it: each one costs
 * the server a full handshake's CPU on an event loop for the price of a few bytes from the client, with no
 * limit per connection (CVE-2011-1473). No HTTP client needs it; an operator who does can set
 * {@code -Djdk.tls.rejectClientInitiatedRenegotiation=false}.
 */
final class TlsDefaults {

    static final String REJECT_CLIENT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private TlsDefaults() {
    }

    /** Sets the server's defaults in {@code properties} where the operator set nothing. */
    static void apply(Properties properties) {
        if (properties.getProperty(REJECT_CLIENT_RENEGOTIATION) == null) {
            properties.setProperty(REJECT_CLIENT_RENEGOTIATION, "true");
        }
    }
}
