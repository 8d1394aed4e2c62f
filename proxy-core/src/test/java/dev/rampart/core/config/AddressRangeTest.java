package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.NetUtil;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Addresses and CIDR networks of a route's {@code allow-from}, and the config problems they give. */
class AddressRangeTest extends RejectedConfigSupport {

    private static boolean contains(String range, String address) {
        return AddressRange.parse(range).contains(NetUtil.createByteArrayFromIpAddressString(address));
    }

    @Test
    void anIpv4NetworkHoldsTheAddressesUnderItsPrefix() {
        assertTrue(contains("10.0.0.0/8", "10.255.1.2"));
        assertFalse(contains("10.0.0.0/8", "11.0.0.1"));
        assertTrue(contains("192.168.4.0/22", "192.168.7.255"));
        assertFalse(contains("192.168.4.0/22", "192.168.8.0"));
        assertTrue(contains("0.0.0.0/0", "203.0.113.9"));
    }

    @Test
    void aSingleAddressHoldsOnlyItself() {
        assertTrue(contains("192.168.1.7", "192.168.1.7"));
        assertFalse(contains("192.168.1.7", "192.168.1.8"));
        assertEquals("192.168.1.7", AddressRange.parse(" 192.168.1.7 ").toString());
    }

    @Test
    void ipv6NetworksAndIpv4ClientsOnAnIpv6Socket() {
        assertTrue(contains("fd00::/8", "fd12:3456::1"));
        assertFalse(contains("fd00::/8", "fe80::1"));
        assertTrue(contains("::1", "0:0:0:0:0:0:0:1"));
        assertTrue(contains("10.0.0.0/8", "::ffff:10.1.2.3"), "an IPv4 client reached over an IPv6 socket");
        assertFalse(contains("10.0.0.0/8", "::1"), "an IPv6 address is never in an IPv4 network");
        assertEquals("fd00::/8", AddressRange.parse("FD00:0::/8").toString());
    }

    @Test
    void ipv6WithAnIpv4TailIsReadAsRfc4291WritesIt() {
        assertEquals("10.0.0.0/8", AddressRange.parse("::ffff:10.0.0.0/104").toString(), "mapped: the IPv4 network");
        assertTrue(contains("::ffff:10.0.0.0/104", "10.9.9.9"));
        assertFalse(contains("::127.0.0.2", "127.0.0.2"), "IPv4-compatible is an IPv6 address, not a mapped one");
        assertTrue(contains("64:ff9b::10.0.0.0/120", "64:ff9b::a00:7"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("::ffff:10.0.0.0/8"),
                "a mapped address with a prefix shorter than the mapping");
    }

    @Test
    void aClientAddressWithAnIpv4TailIsTheIpv6AddressItWrites() {
        assertEquals("10.1.2.3", text(AddressRange.addressOf("::ffff:10.1.2.3")), "mapped: the IPv4 client");
        assertEquals("10.1.2.3", text(AddressRange.addressOf("0:0:0:0:0:FFFF:10.1.2.3")));
        // IPv4-compatible, as glibc's inet_ntop writes ::a01:203: an IPv6 client, the same one either way
        assertEquals("::a01:203", text(AddressRange.addressOf("::10.1.2.3")));
        assertEquals("::a01:203", text(AddressRange.addressOf("::a01:203")));
        assertEquals("::ffff:0:a01:203", text(AddressRange.addressOf("::ffff:0:10.1.2.3")), "IPv4-translated");
        assertEquals("64:ff9b::a01:203", text(AddressRange.addressOf("64:ff9b::10.1.2.3")), "NAT64");
        assertTrue(AddressRange.parse("::10.0.0.0/104").contains(AddressRange.addressOf("::10.1.2.3")));
        assertFalse(AddressRange.parse("10.0.0.0/8").contains(AddressRange.addressOf("::10.1.2.3")));
        for (String bad : new String[] {"1:2:3:4:5:6:7:10.1.2.3", ":::10.1.2.3", "::10.1.2", "::10.1.2.3.4",
                "::10.1.2.256", "::ffff:10.1.2.3:80", "::1.2.3.4x", "x::1.2.3.4"}) {
            assertEquals(null, AddressRange.addressOf(bad), bad);
        }
        assertEquals("10.1.2.3", text(AddressRange.addressOf("10.1.2.3")), "a plain IPv4 address as it was");
    }

    private static String text(byte[] address) {
        return NetUtil.bytesToIpAddress(address);
    }

    @Test
    void malformedRangesAreRefusedWithWhatWasExpected() {
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("010.0.0.1"), "octal to some resolvers");
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0.0/08"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("fe80::1%eth0"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("1:2:zz::"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0.0/"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("10.0.0/8"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("[::1]"));
    }

    @Test
    void ipv6GroupsOfMoreThanFourDigitsAndIpv4TailsWithLeadingZerosAreRefused() {
        // The JDK's parser takes both; RFC 4291 writes a group in one to four digits, and a tail is an IPv4 address.
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("2001:00db8::/32"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("00000:0:0:0:0:0:0:1"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("::ffff:010.0.0.0/104"),
                "octal to some resolvers, as 010.0.0.0/8 is");
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("::ffff:1.2.3.04"));
        assertThrows(IllegalArgumentException.class, () -> AddressRange.parse("64:ff9b::010.0.0.0/120"));
        assertEquals("2001:db8::/32", AddressRange.parse("2001:0db8::/32").toString(), "four digits, leading zeros");
        assertEquals("1.2.3.4", AddressRange.parse("0:0:0:0:0:ffff:1.2.3.4").toString());
        assertEquals("::a00:0/104", AddressRange.parse("::10.0.0.0/104").toString());
    }

    @Test
    void theRouteKeyReportsEachBadEntryAndAnEmptyList() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { name = a, upstream = app, allow-from = ["10.0.0.1/8", "intranet", "10.0.0.0/8"] },
                    { name = b, upstream = app, allow-from = [] },
                    { name = c, upstream = app, deny-from = [] }
                  ]
                }
                """);
        assertEquals(List.of(
                "rampart.routes[0].allow-from[0]: \"10.0.0.1/8\" has bits set past its /8: the network is 10.0.0.0/8,"
                        + " a single address is written without /" + at(4),
                "rampart.routes[0].allow-from[1]: \"intranet\" is not an IP address or a network (expected e.g."
                        + " 10.0.0.0/8, 192.168.1.7 or fd00::/8; names are not looked up, IPv6 is written without"
                        + " brackets or a zone, IPv4 without leading zeros)" + at(4),
                "rampart.routes[1].allow-from: must not be empty: list the addresses or networks the route serves"
                        + " (leave it out to serve every client)" + at(5),
                "rampart.routes[2].deny-from: must not be empty: list the addresses or networks the route refuses"
                        + " (leave it out to refuse none)" + at(6)), problems);
    }

    @Test
    void trustedProxiesTakeTheSameEntriesAndMayBeEmpty() {
        List<String> problems = problemsOf("""
                rampart {
                  server { trusted-proxies = ["10.0.0.0/8", "lb.internal"] }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.server.trusted-proxies[1]: \"lb.internal\" is not an IP address"),
                problems.get(0));
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  server { trusted-proxies = [] }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(List.of(), config.server().trustedProxies());
    }

    @Test
    void theEffectiveConfigShowsTheListInNormalForm() {
        RampartConfig config = HoconFiles.load(dir, """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, allow-from = ["10.0.0.0/8", "FD00::/8"], deny-from = ["10.6.6.6"] } ]
                }
                """);
        assertEquals(List.of(AddressRange.parse("10.0.0.0/8"), AddressRange.parse("fd00::/8")),
                config.routes().get(0).allowFrom());
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("allow-from = [\"10.0.0.0/8\", \"fd00::/8\"]"), rendered);
        assertTrue(rendered.contains("deny-from = [\"10.6.6.6\"]"), rendered);
        assertEquals(config.routes(), HoconFiles.load(dir, rendered).routes());
    }
}
