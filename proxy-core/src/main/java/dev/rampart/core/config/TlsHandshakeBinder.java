package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads {@code protocols} and {@code ciphers} of a {@code tls} block, checked against what this JVM can use,
 * so that a version it has disabled or a cipher named the OpenSSL way fails {@code --check} instead of every
 * handshake.
 */
final class TlsHandshakeBinder {

    private TlsHandshakeBinder() {
    }

    static TlsHandshakeConfig bind(ConfigSection s) {
        SSLParameters usable = usableParameters();
        Set<String> enabledProtocols = Set.of(usable.getProtocols());
        List<String> protocols = names(s, "protocols", name -> enabledProtocols.contains(name) ? null
                : "one of " + String.join(", ", usable.getProtocols()) + " (the TLS versions this JVM enables;"
                + " older ones are disabled by its java.security)");
        Set<String> enabledCiphers = Set.of(usable.getCipherSuites());
        List<String> ciphers = names(s, "ciphers", name -> cipherProblem(name, enabledCiphers));
        if (!ciphers.isEmpty() && suitesForVersions(ciphers, protocols).isEmpty()) {
            s.problem("ciphers", "none of these cipher suites can be used with "
                    + String.join(" or ", versionsAllowed(protocols))
                    + ", so no handshake could succeed: Java takes one list for every version (OpenSSL sets"
                    + " TLS 1.3's apart), and TLS 1.3 needs one of " + String.join(", ", TLS13_SUITES)
                    + ", TLS 1.2 one with _WITH_ in its name");
        }
        return new TlsHandshakeConfig(protocols, ciphers);
    }

    /** The versions {@code protocols} allows: those named, or the JVM's when none is. */
    private static List<String> versionsAllowed(List<String> protocols) {
        return protocols.isEmpty() ? List.of(usableParameters().getProtocols()) : protocols;
    }

    /** The suites of {@code ciphers} that one of the versions {@code protocols} allows can use. */
    private static List<String> suitesForVersions(List<String> ciphers, List<String> protocols) {
        List<String> versions = versionsAllowed(protocols);
        return ciphers.stream().filter(cipher -> versions.stream().anyMatch(v -> usableWith(cipher, v))).toList();
    }

    /**
     * Whether some suite of {@code handshake} can be served with a certificate whose key is {@code keyAlgorithm}
     * ({@code PublicKey.getAlgorithm()}); null when one can (or the JVM's defaults are left), else the problem.
     * TLS 1.3 suites take any key; a TLS 1.2 suite names the key it authenticates with ({@code _ECDSA_}, which
     * EdDSA keys use too, {@code _RSA_}, {@code _DSS_}). Only the listener's certificate constrains suites.
     */
    static String keyMismatch(TlsHandshakeConfig handshake, String keyAlgorithm) {
        if (handshake.ciphers().isEmpty()) {
            return null;
        }
        List<String> usable = suitesForVersions(handshake.ciphers(), handshake.protocols());
        boolean served = usable.isEmpty() // none for these versions at all: said already, by bind
                || usable.stream().anyMatch(c -> TLS13_SUITES.contains(c) || authenticatesWith(c, keyAlgorithm));
        return served ? null : "none of these cipher suites can be served with the certificate's " + keyAlgorithm
                + " key (cert-chain), so no handshake could succeed: a TLS 1.2 suite names the key it needs (_ECDSA_"
                + " for EC, _RSA_ for RSA)";
    }

    private static boolean authenticatesWith(String cipher, String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "EC", "Ed25519", "Ed448", "EdDSA" -> cipher.contains("_ECDSA_");
            case "RSA", "RSASSA-PSS" -> cipher.contains("_RSA_");
            case "DSA" -> cipher.contains("_DSS_");
            default -> true; // a key this check does not know: leave it to the handshake
        };
    }

    /** The cipher suites of TLS 1.3, which take no key exchange in their names: the only ones it can use. */
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    private static boolean usableWith(String cipher, String protocol) {
        boolean tls13Suite = TLS13_SUITES.contains(cipher);
        return protocol.equals("TLSv1.3") ? tls13Suite : !tls13Suite;
    }

    /** Why {@code name} is not a cipher suite to configure, as what was expected instead; null when it is one. */
    private static String cipherProblem(String name, Set<String> enabled) {
        if (name.endsWith("_SCSV")) {
            return "a cipher suite, not a signalling value (" + name + " is one the JVM sends by itself)";
        }
        if (enabled.contains(name)) {
            return null;
        }
        String upper = name.toUpperCase(java.util.Locale.ROOT);
        if (enabled.contains(upper)) {
            return upper + " (cipher suite names are upper case)";
        }
        boolean openSslSpelling = name.indexOf('-') >= 0 || !(name.startsWith("TLS_") || name.startsWith("SSL_"));
        return openSslSpelling
                ? "a cipher suite by its JSSE (IANA) name, such as TLS_AES_128_GCM_SHA256 or"
                        + " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, not an OpenSSL name or keyword"
                        + " (ECDHE-RSA-AES128-GCM-SHA256, HIGH, ALL)"
                : "a cipher suite this JVM enables; it does not know this one, or disables it (jdk.tls.disabledAlgorithms"
                        + " in its java.security)";
    }

    /**
     * A list of names each of which {@code problem} finds nothing wrong with (it returns what was expected
     * instead); absent is empty (the JVM's defaults); empty is refused.
     */
    private static List<String> names(ConfigSection s, String key, Function<String, String> problem) {
        Optional<List<ConfigValue>> values = s.list(key);
        if (values.isEmpty()) {
            return List.of();
        }
        if (values.get().isEmpty()) {
            s.problem(key, "an empty list: no handshake could succeed (leave the key out for the JVM's defaults)");
            return List.of();
        }
        List<String> names = new ArrayList<>();
        s.forEachString(key, values.get(), (name, value, path) -> {
            String expected = problem.apply(name.trim());
            if (expected != null) {
                ValueReader.mismatch(path, expected, value, s.problems());
            } else if (!names.contains(name.trim())) {
                names.add(name.trim());
            }
        });
        return names;
    }

    private static SSLParameters usableParameters() {
        return defaultContext().getDefaultSSLParameters();
    }

    private static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no TLS", e);
        }
    }
}
