package dev.rampart.core.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code X-Forwarded-Client-Cert} value that tells the upstream which certificate a client presented on
 * a mutual-TLS listener, in Envoy's format, so that applications written for Envoy or Istio read it as they
 * would there: {@code Hash=<SHA-256 of the DER certificate, hex>;Subject="<RFC 2253 name>"}, then one
 * {@code URI=} per URI name (a SPIFFE id) and one {@code DNS=} per DNS name among its subject alternative
 * names. The subject is quoted as RFC 2253 writes it ({@code CN=Smith\, John}, {@code CN=say \"hi\"}), as
 * Envoy puts it. A name holding {@code , ; = "}, a space or a control character is quoted, with {@code "}
 * escaped as {@code \"} and control characters dropped; nothing else is escaped.
 */
public final class ClientCertificateHeader {

    /** The connection's value, worked out once: "" when the client presented no certificate. */
    private static final AttributeKey<String> VALUE = AttributeKey.valueOf("rampart.clientCertificateHeader");
    private static final int URI_NAME = 6;
    private static final int DNS_NAME = 2;

    private ClientCertificateHeader() {
    }

    /**
     * The value for the client of {@code channel}, or null when it presented no certificate (or the
     * connection has no TLS). A session's certificate is fixed after its handshake, which a client may not
     * renegotiate, so it is worked out for the first request and kept for the connection's others.
     */
    public static String of(Channel channel) {
        String value = channel.attr(VALUE).get();
        if (value == null) {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            value = tls == null ? "" : of(tls.engine().getSession());
            channel.attr(VALUE).set(value);
        }
        return value.isEmpty() ? null : value;
    }

    /** The value for the certificate {@code session}'s peer presented; "" when it presented none. */
    static String of(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException none) {
            return "";
        }
        return chain.length > 0 && chain[0] instanceof X509Certificate certificate ? of(certificate) : "";
    }

    /** The value for {@code certificate}. */
    static String of(X509Certificate certificate) {
        StringBuilder out = new StringBuilder(256);
        out.append("Hash=").append(sha256(certificate));
        out.append(";Subject=\"").append(subject(certificate.getSubjectX500Principal().getName())).append('"');
        appendNames(certificate, URI_NAME, "URI", out);
        appendNames(certificate, DNS_NAME, "DNS", out);
        return out.toString();
    }

    /**
     * The RFC 2253 name as it is, as Envoy puts it: its own escaping already writes every {@code "} in it as
     * {@code \"}, so it cannot end the quoted value. A control character (which Java leaves raw) becomes
     * RFC 2253's {@code \XX}, as OpenSSL writes it, so that it neither breaks the header nor vanishes.
     */
    static String subject(String rfc2253) {
        StringBuilder out = new StringBuilder(rfc2253.length());
        for (int i = 0; i < rfc2253.length(); i++) {
            char c = rfc2253.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append('\\').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void appendNames(X509Certificate certificate, int type, String key, StringBuilder out) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return; // a certificate the handshake accepted; an extension Java cannot parse only loses the names
        }
        if (names == null) {
            return;
        }
        for (List<?> name : names) {
            if (name.size() >= 2 && name.get(0) instanceof Integer t && t == type && name.get(1) instanceof String s) {
                out.append(';').append(key).append('=');
                valueOf(s, out);
            }
        }
    }

    private static void valueOf(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' || c == ';' || c == '=' || c == '"' || c <= ' ' || c == 0x7f) {
                quoted(value, out);
                return;
            }
        }
        out.append(value);
    }

    private static void quoted(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"') {
                out.append('\\');
            }
            // A header value carries no control characters: a name holding one (taken from the certificate as
            // it is) has it dropped rather than split the header.
            if (c >= 0x20 && c != 0x7f) {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static String sha256(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot hash a certificate the handshake accepted", e);
        }
    }
}
