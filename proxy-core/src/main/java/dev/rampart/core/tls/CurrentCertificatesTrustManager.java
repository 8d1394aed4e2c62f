package dev.rampart.core.tls;

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
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathBuilderResult;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Trusts what the configured trust file trusts (the JDK's PKIX checks, host name included for an endpoint), and
 * also requires the trust anchor the peer's certificate (an endpoint's, or a client's) chains to be within its
 * validity dates. The JDK
 * checks the dates of the certificates on the path, not those of its anchor, so an expired private CA, or
 * an expired self-signed certificate that is its own anchor (the usual setup for a private upstream),
 * would be accepted; OpenSSL-based proxies refuse both. Certificates the endpoint sends that are on no
 * path to an anchor (an old cross-signed root left in the chain) are not looked at, as OpenSSL does not.
 */
public final class CurrentCertificatesTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager pkix;
    private final Set<TrustAnchor> anchors;

    private CurrentCertificatesTrustManager(X509ExtendedTrustManager pkix, Set<TrustAnchor> anchors) {
        this.pkix = pkix;
        this.anchors = anchors;
    }

    /** Trusts the certificates of the PEM file {@code trustFile}. */
    public static CurrentCertificatesTrustManager trusting(Path trustFile) throws IOException, GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        PemFiles.Certificates trusted = PemFiles.certificates(trustFile); // read as the config check reads it
        if (trusted.problem() != null) {
            throw new GeneralSecurityException(trustFile + ": " + trusted.problem());
        }
        int i = 0;
        Set<TrustAnchor> trustAnchors = new LinkedHashSet<>(); // in file order, which the path builder tries
        for (Certificate certificate : trusted.list()) {
            anchors.setCertificateEntry("anchor-" + i++, certificate);
            trustAnchors.add(new TrustAnchor((X509Certificate) certificate, null));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(anchors);
        for (javax.net.ssl.TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager pkix) {
                return new CurrentCertificatesTrustManager(pkix, Collections.unmodifiableSet(trustAnchors));
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

    /**
     * After the JDK accepted {@code chain}: whether a path from its first certificate ends at an anchor that
     * is within its dates. A path ending at an anchor out of its dates is tried again without that anchor,
     * so a valid anchor that the chain reaches too (a renewed CA beside the old one) is still found.
     */
    private void checkDates(X509Certificate[] chain) throws CertificateException {
        requireCurrentAnchor(chain, anchors, CurrentCertificatesTrustManager::anchorOfAPath);
    }

    /** Finds the anchor of a path from {@code leaf} among {@code candidates}, or null when there is none. */
    interface PathFinder {
        X509Certificate anchorOf(X509Certificate leaf, X509Certificate[] chain, Set<TrustAnchor> candidates)
                throws CertificateException;
    }

    /** {@link #checkDates}, with the path finding given (a test makes it pick the out-of-date anchor first). */
    static void requireCurrentAnchor(X509Certificate[] chain, Set<TrustAnchor> anchors, PathFinder paths)
            throws CertificateException {
        X509Certificate leaf = chain[0];
        Set<TrustAnchor> candidates = new LinkedHashSet<>(anchors);
        CertificateException outOfDates = null;
        while (true) {
            X509Certificate anchor = paths.anchorOf(leaf, chain, candidates);
            if (anchor == null) {
                throw outOfDates != null ? outOfDates : new CertificateException("no path to a trust anchor");
            }
            try {
                anchor.checkValidity();
                return;
            } catch (CertificateExpiredException | CertificateNotYetValidException e) {
                if (outOfDates == null) {
                    outOfDates = e;
                }
                // Each round takes one anchor away, so the search ends.
                candidates.removeIf(candidate -> candidate.getTrustedCert().equals(anchor));
            }
        }
    }

    /** The anchor of a PKIX path from {@code leaf} through the certificates of {@code chain}, or null. */
    private static X509Certificate anchorOfAPath(X509Certificate leaf, X509Certificate[] chain,
                                                 Set<TrustAnchor> candidates) throws CertificateException {
        for (TrustAnchor candidate : candidates) {
            if (candidate.getTrustedCert().equals(leaf)) {
                return leaf; // its own anchor: a self-signed endpoint certificate
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(candidates, target);
            parameters.addCertStore(CertStore.getInstance("Collection",
                    new CollectionCertStoreParameters(Arrays.asList(chain))));
            parameters.setRevocationEnabled(false); // as the JDK's check this follows
            parameters.setMaxPathLength(-1); // the JDK's check took the chain: no limit of 5 intermediates here
            CertPathBuilderResult result = CertPathBuilder.getInstance("PKIX").build(parameters);
            return ((PKIXCertPathBuilderResult) result).getTrustAnchor().getTrustedCert();
        } catch (CertPathBuilderException noPath) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new CertificateException("cannot build the certificate path", e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, engine);
        checkDates(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkClientTrusted(chain, authType, socket);
        checkDates(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
        checkDates(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
