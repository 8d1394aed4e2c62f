package dev.rampart.core.proxy;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.resilience.RateLimiter;
import dev.rampart.core.testing.ModelSeeds;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random request heads keyed by {@link RateLimitKey} and by docs/configuration.md's {@code rate-limit} {@code header}
 * rules written out plainly: every line of the header, in any case and in its spellings with underscores, is a
 * list; each element, trimmed, empty ones left out, is a key, kept as it is up to 64 characters and as its SHA-256
 * beyond; at most 16 keys are charged, and a request that lists more is charged to its address as well; one with
 * none is charged to its address alone; a key's bucket is never an address's, whatever it looks like. Compared as
 * the set of buckets charged, through their identity: two requests share a bucket exactly when the model says so.
 * Deterministic by seed ({@code -Drampart.modelSeed=N} reruns N first).
 */
class RateLimitKeyModelTest {

    private static final int HEADS = 10_000;
    private static final String NAME = "X-Api-Key";
    private static final RateLimiter BY_KEY =
            new RateLimiter(new RateLimitConfig(1, 1, Per.HEADER, Optional.of(NAME)), System::nanoTime);
    private static final String[] SPELLINGS = {"X-Api-Key", "x-api-key", "X-API-KEY", "X_Api_Key", "x_api-key",
        "X-Api_Key", "X-Api-Keys", "X-Api", "Api-Key", "XApiKey"};
    private static final String[] ADDRESSES = {"10.0.0.1", "10.0.0.2", "2001:db8::1"};

    @Test
    void keysAreWhatTheDocsSayForRandomHeads() {
        long base = ModelSeeds.first();
        for (int i = 0; i < HEADS; i++) {
            long seed = base + i;
            SplittableRandom random = new SplittableRandom(seed);
            HttpHeaders headers = new DefaultHttpHeaders(false);
            int lines = random.nextInt(5) == 0 ? random.nextInt(25) : random.nextInt(3);
            for (int line = 0; line < lines; line++) {
                headers.add(SPELLINGS[random.nextInt(SPELLINGS.length)], randomValue(random));
            }
            if (random.nextBoolean()) {
                headers.add("Accept", "*/*");
            }
            String address = ADDRESSES[random.nextInt(ADDRESSES.length)];
            Set<String> expected = modelKeys(headers, address);
            List<String> actual = RateLimitKey.of(BY_KEY, headers, address);
            if (new HashSet<>(actual).size() != actual.size()) {
                fail("seed " + seed + ": a bucket charged twice in " + actual + " for " + headers);
            }
            Set<String> named = new HashSet<>();
            for (String key : actual) {
                named.add(nameOf(key));
            }
            if (!named.equals(expected)) {
                fail(ModelSeeds.describe(seed) + ": charged " + named + ", the docs say "
                        + expected + "\nfor " + headers.entries() + " from " + address);
            }
        }
    }

    /** The buckets the docs charge, named {@code key:<value or its hash>} or {@code address:<client>}. */
    private static Set<String> modelKeys(HttpHeaders headers, String address) {
        List<String> elements = new ArrayList<>();
        headers.forEach(field -> {
            if (normal(field.getKey()).equals(normal(NAME))) {
                for (String element : field.getValue().split(",", -1)) {
                    String trimmed = element.strip();
                    if (!trimmed.isEmpty() && !trimmed.chars().allMatch(c -> c <= ' ')) {
                        elements.add(trimmed.length() <= 64 ? trimmed : sha256(trimmed));
                    }
                }
            }
        });
        Set<String> keys = new LinkedHashSet<>();
        Set<String> all = new LinkedHashSet<>();
        for (String element : elements) {
            all.add("key:" + element);
            if (keys.size() < 16) {
                keys.add("key:" + element);
            }
        }
        if (all.size() > 16 || keys.isEmpty()) {
            keys.add("address:" + address);
        }
        return keys;
    }

    /**
     * How the model names a bucket RateLimitKey made: an address's is the one a request without the header from that
     * address is charged to; any other is a header value's, written after its kind.
     */
    private static String nameOf(String key) {
        for (String address : ADDRESSES) {
            if (RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), address).equals(List.of(key))) {
                return "address:" + address;
            }
        }
        return "key:" + key.substring(key.indexOf(' ') + 1);
    }

    /** A header name as CGI, WSGI and Rack read it: case and underscores for dashes do not matter. */
    private static String normal(String name) {
        return name.replace('_', '-').toLowerCase(Locale.ROOT);
    }

    private static String randomValue(SplittableRandom random) {
        StringBuilder value = new StringBuilder();
        int parts = random.nextInt(4);
        for (int i = 0; i < parts; i++) {
            if (i > 0 || random.nextInt(6) == 0) {
                value.append(random.nextBoolean() ? "," : ", ");
            }
            value.append(switch (random.nextInt(12)) {
                case 0 -> "";
                case 1 -> " ";
                case 2 -> "\t";
                case 3 -> "a".repeat(64);
                case 4 -> "a".repeat(65);
                case 5 -> "b".repeat(63 + random.nextInt(4)) + " ";
                case 6 -> "10.0.0.1";
                case 7 -> " k" + random.nextInt(30) + " ";
                case 8 -> "sha256:" + "0".repeat(64);
                default -> "k" + random.nextInt(30);
            });
        }
        return value.toString();
    }

    private static String sha256(String value) {
        try {
            return "sha256:" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
