package dev.rampart.core.proxy;

import dev.rampart.core.config.AddressRange;
import dev.rampart.core.config.RateLimitConfig;
import dev.rampart.core.config.RateLimitConfig.Per;
import dev.rampart.core.resilience.RateLimiter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Edges of the client address behind trusted proxies (an entry with the highest port is still an address) and
 * of a per-header rate-limit key (an empty list element in front of a key does not make a fresh bucket).
 */
class ClientAddressAndRateLimitKeyEdgesTest {

    private static final List<AddressRange> LOAD_BALANCERS = List.of(AddressRange.parse("10.0.0.0/8"));
    private static final RateLimiter BY_KEY =
            new RateLimiter(new RateLimitConfig(1, 1, Per.HEADER, Optional.of("X-Api-Key")), System::nanoTime);

    private static String client(String... forwardedFor) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String line : forwardedFor) {
            headers.add("X-Forwarded-For", line);
        }
        return RealClient.of("10.0.0.5", headers, LOAD_BALANCERS);
    }

    @Test
    void anEntryWithTheHighestPortIsStillTheClientsAddress() {
        assertEquals("203.0.113.9", client("203.0.113.9:65535"));
        assertEquals("2001:db8::9", client("[2001:db8::9]:65535"));
    }

    @Test
    void anEntryWithAPortPastTheHighestEndsTheWalkAtTheLastAddressBelieved() {
        assertEquals("10.0.0.7", client("203.0.113.9:65536, 10.0.0.7"));
        assertEquals("10.0.0.7", client(":80, 10.0.0.7"));
    }

    @Test
    void aLeadingEmptyElementDoesNotMakeAHeaderKeyAFreshBucket() {
        List<String> plain = RateLimitKey.of(BY_KEY, new DefaultHttpHeaders().add("X-Api-Key", "alpha"), "10.0.0.1");
        assertEquals(plain, RateLimitKey.of(BY_KEY, new DefaultHttpHeaders().add("X-Api-Key", ",alpha"), "10.0.0.1"));
        assertEquals(plain, RateLimitKey.of(BY_KEY, new DefaultHttpHeaders().add("X-Api-Key", ",, alpha,"), "10.0.0.1"));
    }

    @Test
    void theListValueOfAHeaderJoinsItsElementsWhateverTheLinesAndCommas() {
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Tenant", ",a , b").add("x-tenant", "c,,");
        assertEquals("a,b,c", RateLimitKey.listValue(headers, "X-Tenant"));
        assertEquals("", RateLimitKey.listValue(new DefaultHttpHeaders().add("X-Tenant", ",,"), "X-Tenant"));
        assertEquals("solo", RateLimitKey.listValue(new DefaultHttpHeaders().add("X-Tenant", "solo"), "X-Tenant"));
    }
}
