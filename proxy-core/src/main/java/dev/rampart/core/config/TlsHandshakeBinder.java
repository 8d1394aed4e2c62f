package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

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
        List<String> protocols = names(s, "protocols", enabledProtocols::contains,
                "one of " + String.join(", ", usable.getProtocols()) + " (the TLS versions this JVM enables;"
                        + " older ones are disabled by its java.security)");
        Set<String> supportedCiphers = Set.of(supportedParameters().getCipherSuites());
        List<String> ciphers = names(s, "ciphers", supportedCiphers::contains,
                "a cipher suite this JVM supports, by its JSSE (IANA) name, such as TLS_AES_128_GCM_SHA256 or"
                        + " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA384, not the OpenSSL name (ECDHE-RSA-AES128-GCM-SHA256)");
        return new TlsHandshakeConfig(protocols, ciphers);
    }

    /** A list of names each of which {@code usable} accepts; absent is empty (the JVM's defaults); empty is refused. */
    private static List<String> names(ConfigSection s, String key, Predicate<String> usable, String expected) {
        Optional<List<ConfigValue>> values = s.list(key);
        if (values.isEmpty()) {
            return List.of();
        }
        if (values.get().isEmpty()) {
            s.problem(key, "an empty list: no handshake could succeed (leave the key out for the JVM's defaults)");
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < values.get().size(); i++) {
            ConfigValue value = values.get().get(i);
            String path = s.path(key) + "[" + i + "]";
            String name = ValueReader.string(value, path, s.problems());
            if (name == null) {
                continue;
            }
            if (!usable.test(name.trim())) {
                ValueReader.mismatch(path, expected, value, s.problems());
            } else if (!names.contains(name.trim())) {
                names.add(name.trim());
            }
        }
        return names;
    }

    private static SSLParameters usableParameters() {
        return defaultContext().getDefaultSSLParameters();
    }

    private static SSLParameters supportedParameters() {
        return defaultContext().getSupportedSSLParameters();
    }

    private static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no TLS", e);
        }
    }
}
