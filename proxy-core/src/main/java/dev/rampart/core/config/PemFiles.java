package dev.rampart.core.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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

    /**
     * Reads the certificates of {@code file}: its {@code CERTIFICATE} blocks, whatever else the file holds
     * (the key too, as nginx allows, or openssl's "Bag Attributes" text); a file without one is read as
     * the JDK reads certificates (DER, say).
     */
    public static Certificates certificates(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return new Certificates(List.of(), "cannot read it: " + e.getMessage());
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<String> blocks = pemBlocks(text, "CERTIFICATE");
        String certificateBegin = begin("CERTIFICATE");
        boolean certificateBegins = text.contains(certificateBegin);
        if (blocks.isEmpty() && !certificateBegins && text.contains("PRIVATE KEY-----")) {
            return new Certificates(List.of(), "no certificate in it, only a private key (a key file given where"
                    + " a certificate file goes?)");
        }
        if (!blocks.isEmpty() && text.lastIndexOf(certificateBegin) > text.lastIndexOf(end("CERTIFICATE"))) {
            // Whole blocks, then one begun and never ended: a file cut off while it was written (a rotation
            // caught halfway). Its whole blocks alone would be a chain without the intermediates it was to carry.
            return new Certificates(List.of(), "a certificate that does not end (no -----END CERTIFICATE----- after"
                    + " its -----BEGIN CERTIFICATE-----: is the file cut off?)");
        }
        byte[] certificateBytes = blocks.isEmpty() ? bytes
                : (String.join("\n", blocks) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        try {
            List<X509Certificate> certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(certificateBytes))
                    .stream().map(X509Certificate.class::cast).toList();
            return certificates.isEmpty() ? new Certificates(List.of(), NO_CERTIFICATE) : new Certificates(certificates, null);
        } catch (CertificateException e) {
            // With no certificate begun the JDK's complaint is about bytes that never were one; a block begun
            // and not ended (a truncated file) is one it cannot read.
            return new Certificates(List.of(), blocks.isEmpty() && !certificateBegins ? NO_CERTIFICATE
                    : "a certificate Java cannot read (" + e.getMessage() + ")");
        }
    }

    private static final String NO_CERTIFICATE = "no certificate in it (expected PEM: -----BEGIN CERTIFICATE-----)";

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
            // Latin-1 maps every byte to a char: text around the PEM blocks may be in any encoding.
            text = Files.readString(keyFile, StandardCharsets.ISO_8859_1);
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
     * A certificate chain and its private key, read from the files of a {@link TlsConfig}.
     *
     * @param key   the private key
     * @param chain the certificates, the key's own first
     */
    public record KeyAndChain(PrivateKey key, List<X509Certificate> chain) {
    }

    /**
     * Reads the files of {@code tls} again, in the forms the config check accepts (Netty's own reading takes
     * PKCS#8 only). Throws {@link IllegalStateException} naming both files when either has become unusable
     * since the check, a key that no longer belongs to the certificate included: a rotation caught between
     * its two files (the new certificate written, its key not yet) would otherwise make a context whose every
     * handshake fails, as the JDK builds one from any pair.
     */
    public static KeyAndChain keyAndChain(TlsConfig tls) {
        Certificates chain = certificates(tls.certChain());
        PrivateKeyFile key = privateKey(tls.privateKey());
        String problem = chain.problem() != null ? chain.problem() : key.problem();
        if (problem == null) {
            problem = keyProblem(key.key(), chain, tls.certChain());
        }
        if (problem != null) {
            throw new IllegalStateException("cannot load TLS certificate " + tls.certChain() + " / key "
                    + tls.privateKey() + ": " + problem);
        }
        return new KeyAndChain(key.key(), chain.list());
    }

    /**
     * The problem with a private key file for {@code chain}, read from {@code certFile} without a problem,
     * or null.
     */
    static String privateKeyProblem(Path keyFile, Certificates chain, Path certFile) {
        PrivateKeyFile read = privateKey(keyFile);
        return read.problem() != null ? read.problem() : keyProblem(read.key(), chain, certFile);
    }

    /** The problem with {@code key} as the key of {@code chain}'s first certificate, read from {@code certFile}, or null. */
    private static String keyProblem(PrivateKey key, Certificates chain, Path certFile) {
        PublicKey certificateKey = chain.list().get(0).getPublicKey();
        String notBelonging = "does not belong to the first certificate of cert-chain (" + certFile + ")";
        if (!key.getAlgorithm().equals(certificateKey.getAlgorithm())) {
            return notBelonging; // an EC key for an RSA certificate, say
        }
        try {
            return belongTogether(key, certificateKey) ? null : notBelonging;
        } catch (GeneralSecurityException e) {
            // A pair of the same kind that cannot sign here: a curve the JDK does not support (secp256k1,
            // brainpool), for one. Saying it does not belong would send the operator after the wrong file.
            return "a key this JVM cannot sign with (" + key.getAlgorithm() + ": " + e.getMessage() + ")";
        }
    }

    /** The PEM blocks a private key comes in, in the order they are looked for. */
    private enum KeyBlock {
        PKCS8("PRIVATE KEY", "PKCS#8"),
        PKCS1("RSA PRIVATE KEY", "PKCS#1"),
        SEC1("EC PRIVATE KEY", "SEC1");

        private final String label;
        private final String encoding;

        KeyBlock(String label, String encoding) {
            this.label = label;
            this.encoding = encoding;
        }

        /** The base64 between this block's lines, or null when {@code text} has no such block. */
        String body(String text) {
            List<String> blocks = pemBlocks(text, label);
            return blocks.isEmpty() ? null
                    : blocks.get(0).substring(begin(label).length(), blocks.get(0).length() - end(label).length());
        }

        byte[] toPkcs8(byte[] der) {
            return switch (this) {
                case PKCS8 -> der;
                case PKCS1 -> LegacyKeyEncodings.pkcs8FromPkcs1(der);
                case SEC1 -> LegacyKeyEncodings.pkcs8FromSec1(der);
            };
        }
    }

    /**
     * The PEM blocks of {@code label} in {@code text}, each from its BEGIN line to its END line, in file order;
     * an unfinished last block is left out (the reader it goes to says what is wrong when nothing is left).
     */
    private static List<String> pemBlocks(String text, String label) {
        String begin = begin(label);
        String end = end(label);
        List<String> blocks = new java.util.ArrayList<>(1);
        for (int from = text.indexOf(begin); from >= 0; from = text.indexOf(begin, from + 1)) {
            int to = text.indexOf(end, from);
            if (to < 0) {
                break;
            }
            blocks.add(text.substring(from, to + end.length()));
        }
        return blocks;
    }

    private static String begin(String label) {
        return "-----BEGIN " + label + "-----";
    }

    private static String end(String label) {
        return "-----END " + label + "-----";
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

    /** Whether a signature made with {@code key} verifies with {@code certificateKey}, of the same algorithm. */
    private static boolean belongTogether(PrivateKey key, PublicKey certificateKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448, EdDSA sign with their own name
        };
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
    }
}
