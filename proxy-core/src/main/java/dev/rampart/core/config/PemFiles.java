package dev.rampart.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files of a TLS setting when the config is loaded, so that a file that cannot be used
 * fails {@code --check}, the start and a reload (which then keeps the running config) instead of every
 * handshake afterwards. Each method returns what is wrong in words, or null when the file is usable.
 */
final class PemFiles {

    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {
    }

    /**
     * The certificates of a PEM file, or the problem with it in words.
     *
     * @param list    the certificates, in file order; empty when {@code problem} is set
     * @param problem what is wrong, or null
     */
    record Certificates(List<? extends Certificate> list, String problem) {
    }

    /** Reads the certificates of {@code file}. */
    static Certificates certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<? extends Certificate> certificates =
                    List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
            return certificates.isEmpty()
                    ? new Certificates(List.of(), "no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)")
                    : new Certificates(certificates, null);
        } catch (IOException e) {
            return new Certificates(List.of(), "cannot read it: " + e.getMessage());
        } catch (CertificateException e) {
            return new Certificates(List.of(), "not a PEM certificate (" + e.getMessage() + ")");
        }
    }

    /**
     * The problem with a private key file for {@code chain}, read from {@code certFile} without a problem,
     * or null. Only unencrypted PKCS#8 keys can be read; the others get the command that converts them.
     */
    static String privateKeyProblem(Path keyFile, Certificates chain, Path certFile) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return "cannot read it: " + e.getMessage();
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            return "a PKCS#1 or SEC1 key (BEGIN RSA/EC PRIVATE KEY); expected PKCS#8 (BEGIN PRIVATE KEY): convert it"
                    + " with openssl pkcs8 -topk8 -nocrypt -in " + keyFile + " -out key.pk8.pem";
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            return "an encrypted key; expected an unencrypted PKCS#8 key (BEGIN PRIVATE KEY): decrypt it with"
                    + " openssl pkcs8 -in " + keyFile + " -out key.pk8.pem";
        }
        int begin = text.indexOf(PKCS8_BEGIN);
        int end = text.indexOf(PKCS8_END);
        if (begin < 0 || end < begin) {
            return "no private key in it (expected PEM: " + PKCS8_BEGIN + ")";
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + PKCS8_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            return "a damaged PEM key: " + e.getMessage();
        }
        PrivateKey key = privateKey(der);
        if (key == null) {
            return "not a private key this JVM can read (RSA, EC or EdDSA in PKCS#8)";
        }
        PublicKey certificateKey = chain.list().get(0).getPublicKey();
        return belongTogether(key, certificateKey) ? null
                : "does not belong to the first certificate of cert-chain (" + certFile + ")";
    }

    private static PrivateKey privateKey(byte[] der) {
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisOne) {
                // the DER names its algorithm; only the matching factory accepts it
            }
        }
        return null;
    }

    /** Whether a signature made with {@code key} verifies with {@code certificateKey}. */
    private static boolean belongTogether(PrivateKey key, PublicKey certificateKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign with their own name
        };
        try {
            byte[] probe = "rampart key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            signer.initVerify(certificateKey);
            signer.update(probe);
            return signer.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a key of another type than the certificate's, for one
        }
    }
}
