package dev.rampart.core.observe;

import java.util.Locale;

/**
 * Why a client connection on a listener with {@code server.proxy-protocol = true} was closed before its PROXY
 * protocol header was read, as {@code rampart_proxy_protocol_failures_total{reason}} counts it.
 */
public enum ProxyProtocolFailure {
    /** Its first bytes were not a PROXY protocol header, or a header that breaks the specification. */
    MALFORMED,
    /** The header did not arrive whole within {@code request-header-timeout}. */
    TIMEOUT,
    /** The peer closed (or reset) first: balancers' TCP health checks do this all day. */
    CLOSED;

    /** The {@code reason} label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
