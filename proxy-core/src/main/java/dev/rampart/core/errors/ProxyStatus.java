package dev.rampart.core.errors;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Builds the RFC 9209 {@code Proxy-Status} field value, a structured-field list (RFC 8941) with one
 * member, this proxy: {@code rampart; error=connection_refused; details="all 3 endpoints refused"}, or for
 * a rewritten upstream error {@code rampart; received-status=503}.
 *
 * <p>Written by hand because it is one member with at most three parameters, and the only part that
 * needs care is {@code details}, the one free text in any header the proxy makes. It is serialized as an
 * sf-string, which allows only printable ASCII: backslash and double quote are escaped, control
 * characters (CR and LF included, so no header can be split) become a space, and anything outside
 * ASCII becomes {@code ?}. The result is always a valid field value.
 *
 * <p>Parameters follow {@code "; "} as in RFC 9209's own examples; RFC 8941 parsers accept the space.
 * Immutable and thread-safe.
 */
public final class ProxyStatus {

    /** The field name. */
    public static final String HEADER_NAME = "Proxy-Status";

    private final String proxyName;
    private final String member;

    /**
     * @param proxyName how this proxy names itself (RFC 9209 suggests a host name or a pseudonym); written
     *                  as an sf-token when it is one, else as an sf-string
     */
    public ProxyStatus(String proxyName) {
        Objects.requireNonNull(proxyName, "proxyName");
        if (proxyName.isEmpty()) {
            throw new IllegalArgumentException("proxyName: \"\" (expected: a non-empty name)");
        }
        this.proxyName = proxyName;
        this.member = isToken(proxyName) ? proxyName : sfString(proxyName);
    }

    /** The name this proxy reports itself as. */
    public String proxyName() {
        return proxyName;
    }

    /**
     * The field value for an error: the reason's RFC 9209 error type, {@code received-status} when the
     * context has one (or, for a reason that {@link Reason#usesUpstreamStatus() keeps the upstream's
     * status}, the response status), and {@code details} when the context has them.
     */
    public String valueFor(ErrorContext ctx) {
        OptionalInt received = ctx.receivedStatus();
        if (ctx.reason().usesUpstreamStatus() && received.isEmpty()) {
            received = OptionalInt.of(ctx.status());
        }
        return value(ctx.reason().proxyStatusError(), received, ctx.details());
    }

    /**
     * The field value from its parts.
     *
     * @param error          an RFC 9209 error type (an sf-token such as {@code connection_refused}), or null
     * @param receivedStatus the status received from the next hop, when there was one
     * @param details        free text, sanitized and quoted as described above, or null
     */
    public String value(String error, OptionalInt receivedStatus, String details) {
        Objects.requireNonNull(receivedStatus, "receivedStatus");
        StringBuilder out = new StringBuilder(member.length() + 48 + (details == null ? 0 : details.length() + 2));
        out.append(member);
        if (error != null) {
            if (!isToken(error)) {
                throw new IllegalArgumentException("error: \"" + error + "\" (expected: an sf-token)");
            }
            out.append("; error=").append(error);
        }
        if (receivedStatus.isPresent()) {
            out.append("; received-status=").append(receivedStatus.getAsInt());
        }
        if (details != null) {
            out.append("; details=");
            appendSfString(out, details);
        }
        return out.toString();
    }

    /** {@code text} as an RFC 8941 sf-string, quoted, with what it cannot hold replaced (see the class doc). */
    public static String sfString(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2);
        appendSfString(out, text);
        return out.toString();
    }

    private static void appendSfString(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == '"' || cp == '\\') {
                out.append('\\').append((char) cp);
            } else if (cp >= 0x20 && cp <= 0x7E) {
                out.append((char) cp);
            } else if (cp < 0x20 || cp == 0x7F) {
                out.append(' ');
            } else {
                out.append('?');
            }
        }
        out.append('"');
    }

    /** RFC 8941 {@code sf-token}: {@code ( ALPHA / "*" ) *( tchar / ":" / "/" )}. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        char first = s.charAt(0);
        if (!(first >= 'a' && first <= 'z' || first >= 'A' && first <= 'Z' || first == '*')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!AcceptNegotiation.isTchar(c) && c != ':' && c != '/') {
                return false;
            }
        }
        return true;
    }
}
