package dev.rampart.core.proxy;

import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.resilience.RateLimiter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which bucket a request's token comes from, for each {@code per}. */
class RateLimitKeyTest {

    private static final RateLimiter BY_ADDRESS = new RateLimiter(new RateLimitConfig(1, 1, Per.CLIENT_IP), System::nanoTime);
    private static final RateLimiter BY_KEY =
            new RateLimiter(new RateLimitConfig(1, 1, Per.HEADER, Optional.of("X-Api-Key")), System::nanoTime);

    @Test
    void perClientIpTheAddressIsTheKeyWhateverTheHeadersSay() {
        assertEquals("10.0.0.1", RateLimitKey.of(BY_ADDRESS, headers("X-Api-Key", "alpha"), "10.0.0.1"));
    }

    @Test
    void perHeaderTheValueIsTheKeyAndAnAbsentOrBlankOneFallsBackToTheAddress() {
        assertEquals(RateLimitKey.of(BY_KEY, headers("x-api-key", "alpha"), "10.0.0.1"),
                RateLimitKey.of(BY_KEY, headers("X-Api-Key", "alpha"), "10.0.0.2"));
        assertNotEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "alpha"), "10.0.0.1"),
                RateLimitKey.of(BY_KEY, headers("X-Api-Key", "beta"), "10.0.0.1"));
        String noKey = RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.1");
        assertEquals(noKey, RateLimitKey.of(BY_KEY, headers("X-Api-Key", ""), "10.0.0.1"));
        assertNotEquals(noKey, RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.2"));
        assertNotEquals(noKey, RateLimitKey.of(BY_KEY, headers("X-Api-Key", "10.0.0.1"), "10.0.0.9"),
                "a value written like an address is not that address's bucket");
    }

    @Test
    void severalFieldLinesAreOneKey() {
        HttpHeaders two = new DefaultHttpHeaders().add("X-Api-Key", "a").add("X-Api-Key", "b");
        assertNotEquals(RateLimitKey.of(BY_KEY, headers("X-Api-Key", "a"), "10.0.0.1"), RateLimitKey.of(BY_KEY, two, "10.0.0.1"));
        assertEquals(RateLimitKey.of(BY_KEY, two, "10.0.0.1"), RateLimitKey.of(BY_KEY, two, "10.0.0.2"));
        for (String oneLine : new String[] {"a, b", "a,b", "a ,b", "a, , b,"}) {
            assertEquals(RateLimitKey.of(BY_KEY, two, "10.0.0.1"),
                    RateLimitKey.of(BY_KEY, headers("X-Api-Key", oneLine), "10.0.0.1"), "one line: " + oneLine);
        }
        HttpHeaders twoEmpty = new DefaultHttpHeaders().add("X-Api-Key", "").add("X-Api-Key", "");
        assertEquals(RateLimitKey.of(BY_KEY, new DefaultHttpHeaders(), "10.0.0.1"), RateLimitKey.of(BY_KEY, twoEmpty, "10.0.0.1"),
                "empty lines are no key");
    }

    @Test
    void aLongValueIsKeptAsItsDigestSoAKeyCostsLittleMemory() {
        String longValue = "k".repeat(8000);
        String key = RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue), "10.0.0.1");
        assertTrue(key.length() < 100, key);
        assertEquals(key, RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue), "10.0.0.2"));
        assertNotEquals(key, RateLimitKey.of(BY_KEY, headers("X-Api-Key", longValue + "x"), "10.0.0.1"));
        String atTheLimit = "k".repeat(RateLimitKey.LONGEST_KEPT_AS_IS);
        assertTrue(RateLimitKey.of(BY_KEY, headers("X-Api-Key", atTheLimit), "10.0.0.1").endsWith(atTheLimit));
    }

    private static HttpHeaders headers(String name, String value) {
        return new DefaultHttpHeaders().add(name, value);
    }
}
