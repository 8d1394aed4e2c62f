package dev.rampart.core.proxy;

import dev.rampart.core.resilience.RateLimiter;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The buckets a request's token is taken from: its client address, or with {@code per = header} each element of
 * the limiter's header. The two kinds of key are kept apart by a prefix, so that a header value written like
 * an address cannot drain that address's bucket; a request without the header (or with only blank values) is
 * keyed by its address, so that leaving the header out does not escape the limit.
 *
 * <p>A header on several lines, or with commas, lists several keys, and the request is charged to each, all or
 * nothing ({@code RateLimiter#tryAcquireAll}): an upstream reads one of them (Go, Java servlets and Python take
 * the first line, others the last), and were the list one key of its own, {@code X-Api-Key: real} with a
 * made-up second line would be a fresh bucket for every request while the upstream took {@code real}. The
 * header's other spellings ({@code X_Api_Key}, which CGI, WSGI and Rack servers read as the same) are its lines
 * too.
 */
final class RateLimitKey {

    /** Longer values are kept as their SHA-256: a bucket's key costs at most that much memory, whatever is sent. */
    static final int LONGEST_KEPT_AS_IS = 64;
    /**
     * At most this many of a request's keys are charged, so that one request cannot make thousands of buckets;
     * past them the request is charged to its address's bucket as well, so that it never goes free.
     */
    static final int MOST_KEYS_CHARGED = 16;

    private RateLimitKey() {
    }

    /** The buckets the request takes a token from, each one once; never empty. */
    static List<String> of(RateLimiter limiter, HttpHeaders headers, String clientIp) {
        String header = limiter.keyHeader();
        if (header == null) {
            return List.of(clientIp);
        }
        List<String> elements = elements(linesOf(headers, header));
        if (elements.size() == 1) {
            return List.of(headerKey(elements.get(0))); // the usual case
        }
        Set<String> keys = new LinkedHashSet<>();
        boolean beyondTheMost = false;
        for (String element : elements) {
            String key = headerKey(element);
            if (keys.size() < MOST_KEYS_CHARGED) {
                keys.add(key);
            } else {
                beyondTheMost |= !keys.contains(key);
            }
        }
        if (keys.isEmpty() || beyondTheMost) {
            keys.add("address " + clientIp);
        }
        return List.copyOf(keys);
    }

    private static String headerKey(String value) {
        return "header " + (value.length() <= LONGEST_KEPT_AS_IS ? value : sha256(value));
    }

    /** The header's lines, and those of its spellings with underscores for dashes, in the order they came. */
    private static List<String> linesOf(HttpHeaders headers, String name) {
        List<String> lines = null;
        String dashed = name.replace('_', '-');
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> field = it.next();
            CharSequence present = field.getKey();
            if (present.length() == name.length() && (AsciiString.contentEqualsIgnoreCase(present, name)
                    || AsciiString.indexOf(present, '_', 0) >= 0
                    && present.toString().replace('_', '-').equalsIgnoreCase(dashed))) {
                if (lines == null) {
                    lines = new ArrayList<>(1);
                }
                lines.add(field.getValue().toString());
            }
        }
        return lines == null ? List.of() : lines;
    }

    /**
     * A header's value as a key: several field lines are one list (RFC 9110 §5.3), and so is one line with
     * commas, so the key is the list's elements, trimmed, empty ones left out, joined by commas: {@code a, b} on
     * one line and {@code a} and {@code b} on two are one key. "" when no element is left.
     */
    static String listValue(HttpHeaders headers, String name) {
        return String.join(",", elements(headers.getAll(name)));
    }

    /**
     * The elements of a list header's lines (RFC 9110 §5.3: several lines are one list, and so is one line with
     * commas), in order, trimmed, empty ones left out.
     */
    private static List<String> elements(List<String> lines) {
        if (lines.size() == 1 && lines.get(0).indexOf(',') < 0) { // the usual case, without splitting
            String value = lines.get(0).trim();
            return value.isEmpty() ? List.of() : List.of(value);
        }
        List<String> elements = new ArrayList<>();
        ListElements.Cursor cursor = ListElements.of(lines);
        while (cursor.next()) {
            elements.add(cursor.element());
        }
        return elements;
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
