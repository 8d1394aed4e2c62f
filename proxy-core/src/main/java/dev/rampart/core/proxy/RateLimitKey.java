package dev.rampart.core.proxy;

import dev.rampart.core.resilience.RateLimiter;
import io.netty.handler.codec.http.HttpHeaders;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.StringJoiner;

/**
 * The bucket a request's token is taken from: its client address, or with {@code per = header} the value of
 * the limiter's header. The two kinds of key are kept apart by a prefix, so that a header value written like
 * an address cannot drain that address's bucket; a request without the header (or with only blank values) is
 * keyed by its address, so that leaving the header out does not escape the limit.
 */
final class RateLimitKey {

    /** Longer values are kept as their SHA-256: a bucket's key costs at most that much memory, whatever is sent. */
    static final int LONGEST_KEPT_AS_IS = 64;

    private RateLimitKey() {
    }

    static String of(RateLimiter limiter, HttpHeaders headers, String clientIp) {
        String header = limiter.keyHeader();
        if (header == null) {
            return clientIp;
        }
        String value = listValue(headers, header);
        if (value.isEmpty()) {
            return "address " + clientIp;
        }
        return "header " + (value.length() <= LONGEST_KEPT_AS_IS ? value : sha256(value));
    }

    /**
     * A header's value as a key: several field lines are one list (RFC 9110 §5.3), and so is one line with
     * commas, so the key is the list's elements, trimmed, empty ones left out, joined by commas: {@code a, b} on
     * one line and {@code a} and {@code b} on two are one key. "" when no element is left.
     */
    static String listValue(HttpHeaders headers, String name) {
        List<String> lines = headers.getAll(name);
        if (lines.size() == 1 && lines.get(0).indexOf(',') < 0) {
            return lines.get(0).trim(); // the usual case, without splitting
        }
        StringJoiner key = new StringJoiner(",");
        for (String line : lines) {
            for (String element : line.split(",", -1)) {
                if (!element.isBlank()) {
                    key.add(element.trim());
                }
            }
        }
        return key.toString();
    }

    private static String sha256(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
