package dev.rampart.core.config;

import java.util.Set;

/**
 * Headers the proxy sets, extends or drops on the way from what the client sent: the client writes what it
 * likes there, and the upstream gets the proxy's value, so none of them may key what a request is sorted by
 * (a rate-limit bucket, a hash endpoint, a canary side). Every made-up value would be a key of its own, and
 * the client would choose its own. The client's address is what these name.
 */
final class ProxySetHeaders {

    /** In the spelling {@link HeaderRules#spelling} gives. */
    private static final Set<String> NAMES = Set.of("x-forwarded-for", "x-real-ip",
            "forwarded", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix",
            "x-forwarded-ssl", "x-forwarded-scheme", "x-forwarded-client-cert", "via", "x-original-url",
            "x-rewrite-url", "x-rampart-attempt", "traceparent", "tracestate");

    private ProxySetHeaders() {
    }

    /** Whether {@code header}, in any spelling, is one of them. */
    static boolean isOne(String header) {
        return NAMES.contains(HeaderRules.spelling(header));
    }

    /** The problem with keying by {@code header}: every made-up value would be a {@code what} of its own. */
    static String asKey(String header, String what, String instead) {
        return header + " is set by the proxy on the way to the upstream, from what the client claims: every"
                + " made-up value would be " + what + " of its own; " + instead;
    }
}
