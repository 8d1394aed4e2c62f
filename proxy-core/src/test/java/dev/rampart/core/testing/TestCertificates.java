package dev.rampart.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates made at test time with the JDK's {@code keytool} (no network, nothing
 * checked in), written as the PEM files the proxy's config points at.
 *
 * @param certChain  PEM certificate
 * @param privateKey PEM PKCS#8 private key
 */
public record TestCertificates(Path certChain, Path privateKey, X509Certificate certificate) {

    private static final String PASSWORD = "changeit";

    /**
     * A new EC key and self-signed certificate for {@code CN=commonName} naming {@code subjectAltNames}
     * (keytool syntax, e.g. {@code "dns:localhost,ip:127.0.0.1"}).
     */
    public static TestCertificates generate(Path dir, String name, String commonName, String subjectAltNames) {
        return generate(dir, name, commonName, subjectAltNames, "-1d");
    }

    /** Like {@link #generate(Path, String, String, String)}, but valid for one day ten days ago: expired. */
    public static TestCertificates generateExpired(Path dir, String name, String commonName, String subjectAltNames) {
        return generate(dir, name, commonName, subjectAltNames, "-10d");
    }

    private static TestCertificates generate(Path dir, String name, String commonName, String subjectAltNames,
                                             String startDate) {
        try {
            Path keystore = dir.resolve(name + ".p12");
            keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=" + commonName, "-ext", "SAN=" + subjectAltNames, "-startdate", startDate,
                    "-validity", "3", "-keystore", keystore.toString());
            return fromKeystore(dir, name, keystore, (X509Certificate) load(keystore).getCertificate(name));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes the PEM files of {@code certificate} and of the key under {@code alias} in {@code keystore}. */
    static TestCertificates fromKeystore(Path dir, String alias, Path keystore, X509Certificate certificate)
            throws IOException, java.security.GeneralSecurityException {
        PrivateKey key = (PrivateKey) load(keystore).getKey(alias, PASSWORD.toCharArray());
        Path certPem = dir.resolve(alias + ".crt");
        Path keyPem = dir.resolve(alias + ".key");
        Files.writeString(certPem, pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
        return new TestCertificates(certPem, keyPem, certificate);
    }

    static KeyStore load(Path keystore) throws IOException, java.security.GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    /** Runs the JDK's keytool on PKCS12 stores with the test password; fails with its output. */
    static void keytool(String... args) {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(args));
        command.addAll(java.util.List.of("-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD));
        Keytool.run(command);
    }

    /**
     * A key or certificate file from {@code src/test/resources/tls-keys} (written by OpenSSL, in the forms it
     * writes; see the README there), copied into {@code dir}.
     */
    public static Path openSslFile(Path dir, String name) {
        try (InputStream in = TestCertificates.class.getResourceAsStream("/tls-keys/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource tls-keys/" + name);
            }
            Path copy = dir.resolve(name);
            Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return copy;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A client TLS context that trusts exactly {@code certificates}. */
    public static SSLContext trustingClientContext(X509Certificate... certificates) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trusting(certificates), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static javax.net.ssl.TrustManager[] trusting(X509Certificate... certificates)
            throws IOException, java.security.GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("trusted-" + i, certificates[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    /**
     * A client TLS context that presents this certificate (mutual TLS) whenever the server asks for one, even
     * one the server names no issuer of (the JDK's own choice would then send none), and trusts exactly
     * {@code server}.
     */
    public SSLContext presentingClientContext(X509Certificate server) {
        try {
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            java.security.PrivateKey key = dev.rampart.core.config.PemFiles.privateKey(privateKey).key();
            own.setKeyEntry("client", key, PASSWORD.toCharArray(), new java.security.cert.Certificate[] {certificate});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(own, PASSWORD.toCharArray());
            javax.net.ssl.X509ExtendedKeyManager chosen = (javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0];
            javax.net.ssl.X509ExtendedKeyManager always = new javax.net.ssl.X509ExtendedKeyManager() {
                @Override
                public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                      javax.net.ssl.SSLEngine engine) {
                    return "client";
                }

                @Override
                public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers,
                                                java.net.Socket socket) {
                    return "client";
                }

                @Override
                public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
                    return new String[] {"client"};
                }

                @Override
                public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
                    return null;
                }

                @Override
                public String chooseServerAlias(String keyType, java.security.Principal[] issuers,
                                                java.net.Socket socket) {
                    return null;
                }

                @Override
                public X509Certificate[] getCertificateChain(String alias) {
                    return chosen.getCertificateChain(alias);
                }

                @Override
                public java.security.PrivateKey getPrivateKey(String alias) {
                    return chosen.getPrivateKey(alias);
                }
            };
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new javax.net.ssl.KeyManager[] {always}, trusting(server), null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A client TLS context that trusts exactly this certificate. */
    public SSLContext trustingClientContext() {
        return trustingClientContext(certificate);
    }

    /** A Netty server context presenting this certificate (for fake HTTPS upstreams). */
    public io.netty.handler.ssl.SslContext serverContext() {
        try {
            return io.netty.handler.ssl.SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile()).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A Netty server context presenting this certificate that requires a client certificate chaining to
     * {@code trusted} (an endpoint behind mutual TLS).
     */
    public io.netty.handler.ssl.SslContext serverContextRequiringClientCertificate(X509Certificate trusted) {
        try {
            return io.netty.handler.ssl.SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile())
                    .clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE).trustManager(trusted).build();
        } catch (javax.net.ssl.SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
