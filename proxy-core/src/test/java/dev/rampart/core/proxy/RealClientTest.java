package dev.rampart.core.proxy;

import dev.rampart.core.config.AddressRange;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which address a request comes from when a trusted proxy in front names it in {@code X-Forwarded-For}. */
class RealClientTest {

    private static final List<AddressRange> LOAD_BALANCERS =
            List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("fd00::/8"));

    private static String client(String peer, String... forwardedFor) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String line : forwardedFor) {
            headers.add("X-Forwarded-For", line);
        }
        return RealClient.of(peer, headers, LOAD_BALANCERS);
    }

    @Test
    void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
        HttpHeaders headers = new DefaultHttpHeaders().add("X-Forwarded-For", "203.0.113.9");
        assertEquals("10.0.0.5", RealClient.of("10.0.0.5", headers, List.of()));
    }

    @Test
    void aPeerThatIsNotTrustedIsTheClient() {
        assertEquals("198.51.100.7", client("198.51.100.7", "203.0.113.9"));
    }

    @Test
    void aTrustedPeerNamesTheClientItAppended() {
        assertEquals("203.0.113.9", client("10.0.0.5", "203.0.113.9"));
    }

    @Test
    void anIpv6EntryWithAnIpv4TailIsTheIpv6AddressItWrites() {
        assertEquals("64:ff9b::c633:6407", client("10.0.0.5", "64:ff9b::198.51.100.7"), "NAT64: a client, not junk");
        assertEquals("::a01:203", client("10.0.0.5", "::10.1.2.3"), "IPv4-compatible: not the trusted 10.1.2.3");
        assertEquals("203.0.113.9", client("10.0.0.5", "::ffff:203.0.113.9"), "IPv4-mapped: the IPv4 client");
    }

    @Test
    void theWalkGoesFromTheRightAndStopsAtTheFirstUntrustedAddress() {
        // The client wrote 1.2.3.4 itself: only what the trusted proxies appended is believed.
        assertEquals("203.0.113.9", client("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.1.1.1"));
        assertEquals("203.0.113.9", client("10.0.0.5", "1.2.3.4", "203.0.113.9, 10.1.1.1"), "over several lines");
    }

    @Test
    void whenEveryEntryIsTrustedTheLeftmostIsTheClient() {
        assertEquals("10.9.9.9", client("10.0.0.5", "10.9.9.9, 10.1.1.1"));
    }

    @Test
    void aGarbledEntryEndsTheWalkAtTheLastAddressBelieved() {
        assertEquals("10.1.1.1", client("10.0.0.5", "203.0.113.9, not-an-ip, 10.1.1.1"));
        assertEquals("10.0.0.5", client("10.0.0.5", "unknown"));
        assertEquals("10.0.0.5", client("10.0.0.5"), "no header: the proxy itself is the client");
    }

    @Test
    void emptyElementsAreSkippedAndWhatFollowsAnAddressMustBeAPort() {
        assertEquals("203.0.113.9", client("10.0.0.5", "203.0.113.9,"));
        assertEquals("203.0.113.9", client("10.0.0.5", "203.0.113.9, , 10.1.1.1"));
        assertEquals("10.0.0.5", client("10.0.0.5", "203.0.113.9:evil"));
        assertEquals("10.0.0.5", client("10.0.0.5", "203.0.113.9:99999"));
        assertEquals("10.0.0.5", client("10.0.0.5", "[2001:db8::7]x"));
        assertEquals("10.0.0.5", client("10.0.0.5", "[203.0.113.9]"), "brackets are for IPv6");
        assertEquals("10.0.0.5", client("10.0.0.5", "[203.0.113.9]:443"), "brackets are for IPv6");
        assertEquals("10.0.0.5", client("10.0.0.5", "[2001:db8::7"));
        assertEquals("10.0.0.5", client("10.0.0.5", "fe80::1%eth0"));
    }

    @Test
    void portsAndIpv6AreReadAsLoadBalancersWriteThem() {
        assertEquals("203.0.113.9", client("10.0.0.5", "203.0.113.9:51234"));
        assertEquals("2001:db8::7", client("fd00::1", "[2001:db8::7]:443"));
        assertEquals("2001:db8::7", client("fd00::1", "[2001:db8::7]"), "bracketed without a port, as Forwarded writes it");
        assertEquals("2001:db8::7", client("10.0.0.5", "2001:DB8:0::7"));
        assertEquals("203.0.113.9", client("10.0.0.5", "::ffff:203.0.113.9"), "an IPv4-mapped entry as IPv4");
    }
}
