package dev.rampart.core.proxy;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.resilience.RateLimiter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which bucket a request's token comes from, for each {@code per}. */
class RateLimitKeyTest {

    private static final RateLimiter BY_ADDRESS = new RateLimiter(new RateLimitConfig(1, 1, Per.CLIENT_IP), System::nanoTime);
    private static final RateLimiter BY_KEY =
            new RateLimiter(new RateLimitConfig(1, 1, Per.HEADER, Optional.of("X-Api-Key")), System::nanoTime);

    @Test
    void perClientIpTheAddressIsTheKeyWhateverTheHeadersSay() {
        assertEquals(List.of("10.0.0.1"), RateLimitKey.of(BY_ADDRESS, headers("X-Api-Key", "alpha"), "10.0.0.1"));
    }

    @Test
    void perHeaderTheValueIsTheKeyAndAnAbsentOrBlankOneFallsBackToTheAddress() {
        assertEquals(RateLimitKey.of(BY_KEY, headers("x-api-key", "alpha"), "10.0.0.1"),
                RateLimitKey.of(BY_KEY, headers("X-Api-Key", "alpha"), "10.0.0.2"));
        assertNotEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "alpha"), "10.0.0.1"),
                RateLimitKey.of(BY_KEY, headers("X-Api-Key", "beta"), "10.0.0.1"));
        List<String> noKey = RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.1");
        assertEquals(noKey, RateLimitKey.of(BY_KEY, headers("X-Api-Key", ""), "10.0.0.1"));
        assertNotEquals(noKey, RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.2"));
        assertNotEquals(noKey, RateLimitKey.of(BY_KEY, headers("X-Api-Key", "10.0.0.1"), "10.0.0.9"),
                "a value written like an address is not that address's bucket");
    }

    @Test
    void eachElementOfSeveralLinesOrOfALineWithCommasIsAKeyTheRequestIsChargedTo() {
        HttpHeaders two = new DefaultHttpHeaders().add("X-Api-Key", "real").add("X-Api-Key", "made-up");
        List<String> keys = RateLimitKey.of(BY_KEY, two, "10.0.0.1");
        assertEquals(2, keys.size());
        assertEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "real"), "10.0.0.1").get(0), keys.get(0),
                "a made-up second line does not take the request out of the real key's bucket");
        assertEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "made-up"), "10.0.0.1").get(0), keys.get(1));
        assertEquals(keys, RateLimitKey.of(BY_KEY, two, "10.0.0.2"));
        for (String oneLine : new String[] {"real, made-up", "real,made-up", "real ,made-up", "real, , made-up,",
                "real, made-up, real"}) {
            assertEquals(keys, RateLimitKey.of(BY_KEY, headers("X-Api-Key", oneLine), "10.0.0.1"), "one line: " + oneLine);
        }
        HttpHeaders twoEmpty = new DefaultHttpHeaders().add("X-Api-Key", "").add("X-Api-Key", ",,");
        assertEquals(RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.1"), RateLimitKey.of(BY_KEY, twoEmpty, "10.0.0.1"),
                "empty lines are no key");
    }

    @Test
    void theHeadersSpellingWithUnderscoresIsOneOfItsLines() {
        HttpHeaders aliased = new DefaultHttpHeaders().add("X-Api-Key", "made-up").add("x_api_KEY", "real");
        assertTrue(RateLimitKey.of(BY_KEY, aliased, "10.0.0.1")
                .contains(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "real"), "10.0.0.1").get(0)),
                "a WSGI upstream may read X_Api_Key as X-Api-Key");
        assertEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "real"), "10.0.0.1"),
                RateLimitKey.of(BY_KEY, headers("X_Api_Key", "real"), "10.0.0.1"));
    }

    @Test
    void pastSixteenKeysTheRequestIsChargedToItsAddressAsWell() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            many.append("k").append(i).append(", ");
        }
        List<String> keys = RateLimitKey.of(BY_KEY, headers("X-Api-Key", many.toString()), "10.0.0.1");
        assertEquals(RateLimitKey.MOST_KEYS_CHARGED + 1, keys.size());
        assertEquals(RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.1").get(0), keys.get(keys.size() - 1));
        String sixteen = many.substring(0, many.indexOf("k16"));
        assertFalse(RateLimitKey.of(BY_KEY, headers("X-Api-Key", sixteen + " k0, k15"), "10.0.0.1")
                .contains(keys.get(keys.size() - 1)), "sixteen keys, repeated or not, are charged as they are");
    }

    @Test
    void aLongValueIsKeptAsItsDigestSoAKeyCostsLittleMemory() {
        String longValue = "k".repeat(8000);
        String key = RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue), "10.0.0.1").get(0);
        assertTrue(key.length() < 100, key);
        assertEquals(List.of(key), RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue), "10.0.0.2"));
        assertNotEquals(List.of(key), RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue + "x"), "10.0.0.1"));
        String atTheLimit = "k".repeat(RateLimitKey.LONGEST_KEPT_AS_IS);
        assertTrue(RateLimitKey.of(BY_KEY, headers("X-Api-Key", atTheLimit), "10.0.0.1").get(0).endsWith(atTheLimit));
    }

    private static HttpHeaders headers(String name, String value) {
        return new DefaultHttpHeaders().add(name, value);
    }
}
