package dev.rampart.core.config;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Re-wraps the two key encodings OpenSSL calls "traditional" into PKCS#8, the one the JDK reads: PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}, RFC 8017 A.1.2) and SEC1 ({@code BEGIN EC PRIVATE KEY}, RFC 5915). Both are
 * common in practice: cert-manager writes them by default into Kubernetes TLS secrets, as do
 * {@code openssl genrsa -traditional} and {@code openssl ecparam -genkey}. nginx reads them, so the proxy does too.
 *
 * <p>A PKCS#8 {@code PrivateKeyInfo} (RFC 5208) is the traditional key as an OCTET STRING behind a version and
 * the algorithm's identifier, so only the identifier has to be built here; the key itself is parsed and checked
 * by the JDK's {@code KeyFactory}. The JDK offers no public DER writer, hence the few lines of DER below.
 */
final class LegacyKeyEncodings {

    private static final int INTEGER = 0x02;
    private static final int OCTET_STRING = 0x04;
    private static final int NULL = 0x05;
    private static final int OBJECT_IDENTIFIER = 0x06;
    private static final int SEQUENCE = 0x30;
    private static final int EXPLICIT_0 = 0xA0;

    /** 1.2.840.113549.1.1.1, rsaEncryption. */
    private static final byte[] RSA_ENCRYPTION =
            {OBJECT_IDENTIFIER, 9, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xF7, 0x0D, 0x01, 0x01, 0x01};
    /** 1.2.840.10045.2.1, id-ecPublicKey. */
    private static final byte[] EC_PUBLIC_KEY = {OBJECT_IDENTIFIER, 7, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01};
    private static final byte[] VERSION_0 = {INTEGER, 1, 0};

    private LegacyKeyEncodings() {
    }

    /** The PKCS#8 form of a PKCS#1 {@code RSAPrivateKey}. */
    static byte[] pkcs8FromPkcs1(byte[] rsaPrivateKey) {
        new Der(rsaPrivateKey).enter(SEQUENCE, "an RSA private key");
        byte[] algorithm = tlv(SEQUENCE, RSA_ENCRYPTION, new byte[] {NULL, 0});
        return tlv(SEQUENCE, VERSION_0, algorithm, tlv(OCTET_STRING, rsaPrivateKey));
    }

    /**
     * The PKCS#8 form of a SEC1 {@code ECPrivateKey}. PKCS#8 names the curve in the algorithm identifier,
     * so the key must carry it in its optional {@code [0] parameters}, as every OpenSSL-written key does.
     */
    static byte[] pkcs8FromSec1(byte[] ecPrivateKey) {
        Der key = new Der(ecPrivateKey).enter(SEQUENCE, "an EC private key");
        key.skip(INTEGER, "its version");
        key.skip(OCTET_STRING, "its private value");
        byte[] curve = null;
        while (key.hasMore()) {
            if (key.nextTag() == EXPLICIT_0) {
                Der parameters = key.enter(EXPLICIT_0, "its parameters");
                if (parameters.hasMore() && parameters.nextTag() == OBJECT_IDENTIFIER) {
                    curve = parameters.element(OBJECT_IDENTIFIER, "its curve");
                }
                break;
            }
            key.skip(key.nextTag(), "an optional field");
        }
        if (curve == null) {
            throw new IllegalArgumentException("the EC key does not name its curve (no named-curve parameters)");
        }
        byte[] algorithm = tlv(SEQUENCE, EC_PUBLIC_KEY, curve);
        return tlv(SEQUENCE, VERSION_0, algorithm, tlv(OCTET_STRING, ecPrivateKey));
    }

    /** One DER element: its tag, its definite length, its contents. */
    private static byte[] tlv(int tag, byte[]... contents) {
        int length = Arrays.stream(contents).mapToInt(c -> c.length).sum();
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        for (byte[] c : contents) {
            out.writeBytes(c);
        }
        return out.toByteArray();
    }

    /** Reads the elements of one DER constructed value in order; anything malformed is an IllegalArgumentException. */
    private static final class Der {
        private final byte[] bytes;
        private int position;
        private final int end;

        Der(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        private Der(byte[] bytes, int position, int end) {
            this.bytes = bytes;
            this.position = position;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        int nextTag() {
            return bytes[position] & 0xFF;
        }

        /** The contents of the next element, which must have {@code tag}, to be read in turn. */
        Der enter(int tag, String what) {
            int contentEnd = contentEnd(tag, what);
            Der inner = new Der(bytes, position, contentEnd);
            position = contentEnd;
            return inner;
        }

        /** The whole next element (tag, length and contents), which must have {@code tag}. */
        byte[] element(int tag, String what) {
            int start = position;
            position = contentEnd(tag, what);
            return Arrays.copyOfRange(bytes, start, position);
        }

        void skip(int tag, String what) {
            position = contentEnd(tag, what);
        }

        /** Reads the tag and length of the next element, leaves the position at its contents, returns their end. */
        private int contentEnd(int tag, String what) {
            if (position + 2 > end || (bytes[position] & 0xFF) != tag) {
                throw new IllegalArgumentException("not " + what + " where DER expected it");
            }
            position++;
            int first = bytes[position++] & 0xFF;
            int length = first;
            if (first >= 0x80) {
                int count = first & 0x7F;
                if (count == 0 || count > 3 || position + count > end) {
                    throw new IllegalArgumentException("a DER length that cannot be read in " + what);
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (bytes[position++] & 0xFF);
                }
            }
            if (length > end - position) {
                throw new IllegalArgumentException(what + " runs past the end of the key");
            }
            return position + length;
        }
    }
}
