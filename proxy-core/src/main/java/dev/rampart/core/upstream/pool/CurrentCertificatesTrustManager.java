package dev.rampart.core.upstream.pool;

import dev.rampart.core.config.PemFiles;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Trusts what the configured trust file trusts (the JDK's PKIX checks, host name included), and also
 * requires every certificate the endpoint presents to be within its validity dates. The JDK does not
 * check the dates of a trust anchor, so an expired self-signed certificate that is its own anchor (the
 * usual setup for a private upstream) would be accepted; OpenSSL-based proxies refuse it.
 */
final class CurrentCertificatesTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager pkix;

    private CurrentCertificatesTrustManager(X509ExtendedTrustManager pkix) {
        this.pkix = pkix;
    }

    /** Trusts the certificates of the PEM file {@code trustFile}. */
    static CurrentCertificatesTrustManager trusting(Path trustFile) throws IOException, GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        PemFiles.Certificates trusted = PemFiles.certificates(trustFile); // read as the config check reads it
        if (trusted.problem() != null) {
            throw new GeneralSecurityException(trustFile + ": " + trusted.problem());
        }
        int i = 0;
        for (Certificate certificate : trusted.list()) {
            anchors.setCertificateEntry("anchor-" + i++, certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        for (javax.net.ssl.TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager pkix) {
                return new CurrentCertificatesTrustManager(pkix);
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in " + factory.getAlgorithm());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        checkDates(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        checkDates(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkDates(chain);
    }

    private static void checkDates(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate certificate : chain) {
            certificate.checkValidity(); // CertificateExpiredException / CertificateNotYetValidException
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
