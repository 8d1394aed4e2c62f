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
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files of a TLS setting when the config is loaded, so that a file that cannot be used
 * fails {@code --check}, the start and a reload (which then keeps the running config) instead of every
 * handshake afterwards. Each method returns what is wrong in words, or null when the file is usable.
 */
public final class PemFiles {

    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {
    }

    /**
     * The certificates of a PEM file, or the problem with it in words.
     *
     * @param list    the certificates, in file order; empty when {@code problem} is set
     * @param problem what is wrong, or null
     */
    public record Certificates(List<X509Certificate> list, String problem) {
    }

    /** Reads the certificates of {@code file}. */
    public static Certificates certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in)
                    .stream().map(X509Certificate.class::cast).toList();
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
     * The private key of a PEM file, or the problem with it in words.
     *
     * @param key     the key; null when {@code problem} is set
     * @param problem what is wrong, or null
     */
    public record PrivateKeyFile(PrivateKey key, String problem) {
        static PrivateKeyFile problem(String problem) {
            return new PrivateKeyFile(null, problem);
        }
    }

    /**
     * Reads the unencrypted private key of {@code keyFile}: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1
     * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}), the forms nginx reads. Encrypted
     * keys get the command that decrypts them: the proxy has nowhere to take a passphrase from at a restart.
     */
    public static PrivateKeyFile privateKey(Path keyFile) {
        String text;
        try {
            text = Files.readString(keyFile, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return PrivateKeyFile.problem("cannot read it: " + e.getMessage());
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") || text.contains("Proc-Type: 4,ENCRYPTED")) {
            return PrivateKeyFile.problem("an encrypted key; expected an unencrypted one: decrypt it with"
                    + " openssl pkey -in " + keyFile + " -out key.pem");
        }
        for (KeyBlock block : KeyBlock.values()) {
            String body = block.body(text);
            if (body == null) {
                continue;
            }
            try {
                PrivateKey key = privateKey(block.toPkcs8(Base64.getMimeDecoder().decode(body)));
                return key != null ? new PrivateKeyFile(key, null) : PrivateKeyFile.problem(
                        "not a private key this JVM can read (RSA, EC or EdDSA, in " + block.encoding + ")");
            } catch (IllegalArgumentException e) {
                return PrivateKeyFile.problem("a damaged " + block.encoding + " key: " + e.getMessage());
            }
        }
        return PrivateKeyFile.problem("no private key in it (expected PEM: -----BEGIN PRIVATE KEY-----,"
                + " -----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----)");
    }

    /**
     * The problem with a private key file for {@code chain}, read from {@code certFile} without a problem,
     * or null.
     */
    static String privateKeyProblem(Path keyFile, Certificates chain, Path certFile) {
        PrivateKeyFile read = privateKey(keyFile);
        if (read.problem() != null) {
            return read.problem();
        }
        PublicKey certificateKey = chain.list().get(0).getPublicKey();
        return belongTogether(read.key(), certificateKey) ? null
                : "does not belong to the first certificate of cert-chain (" + certFile + ")";
    }

    /** The PEM blocks a private key comes in, in the order they are looked for. */
    private enum KeyBlock {
        PKCS8("PRIVATE KEY", "PKCS#8"),
        PKCS1("RSA PRIVATE KEY", "PKCS#1"),
        SEC1("EC PRIVATE KEY", "SEC1");

        private final String begin;
        private final String end;
        private final String encoding;

        KeyBlock(String label, String encoding) {
            this.begin = "-----BEGIN " + label + "-----";
            this.end = "-----END " + label + "-----";
            this.encoding = encoding;
        }

        /** The base64 between this block's lines, or null when {@code text} has no such block. */
        String body(String text) {
            int from = text.indexOf(begin);
            int to = from < 0 ? -1 : text.indexOf(end, from);
            return to < 0 ? null : text.substring(from + begin.length(), to);
        }

        byte[] toPkcs8(byte[] der) {
            return switch (this) {
                case PKCS8 -> der;
                case PKCS1 -> LegacyKeyEncodings.pkcs8FromPkcs1(der);
                case SEC1 -> LegacyKeyEncodings.pkcs8FromSec1(der);
            };
        }
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
