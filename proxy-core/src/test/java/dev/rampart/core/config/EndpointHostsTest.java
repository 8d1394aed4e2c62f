package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Endpoint hosts and ports that could never be reached, or that name one server twice, refused when the
 * config is loaded rather than failing on every request; and endpoints that are the proxy itself, warned of.
 */
class EndpointHostsTest extends RejectedConfigSupport {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.1:80", "0x7f.0.0.1:80", "2130706433:80", "999.999.999.999:80", "10.0.0.01:80",
            "1.2.3:80", "foo..bar:80", ".foo:80", "127.0.0.1.:80"})
    void aHostNoResolverReadsAlikeIsRefused(String endpoint) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(endpoint));
        assertTrue(e.getMessage().startsWith("bad host in \"" + endpoint + "\": "), e.getMessage());
    }

    /** An endpoint may come from RAMPART_UPSTREAM, pasted from a URL that carries a token; a reload logs problems. */
    @Test
    void theQueryAndUserinfoOfARefusedEndpointStayOutOfItsProblem() {
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> EndpointAddress.parse("https://10.0.0.1:443/x?token=Q-SECRET"));
        assertEquals("an endpoint has no path: \"https://10.0.0.1:443/x?<redacted>\" (expected: host:port)",
                path.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> EndpointAddress.parse("https://user:PW-SECRET@10.0.0.2?token=Q-SECRET"));
        assertTrue(both.getMessage().contains(" in \"https://<redacted>@10.0.0.2?<redacted>\" (expected: ")
                && !both.getMessage().contains("SECRET"), both.getMessage());
    }

    @Test
    void aNameLabelLongerThanSixtyThreeCharactersIsRefused() {
        String endpoint = "a".repeat(64) + ".example:80";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(endpoint));
        assertTrue(e.getMessage().contains("1 to 63 characters"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1:80", "10.0.0.255:80", "localhost.:80", "svc-1.ns.svc.cluster.local:8080",
            "my_host:80", "a1.b2:80", "[::1]:80", "0.0.0.0:80"})
    void ordinaryHostsAreAccepted(String endpoint) {
        assertEquals(endpoint.substring(endpoint.lastIndexOf(':') + 1),
                Integer.toString(EndpointAddress.parse(endpoint).port()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://[::1]8080", "https://[::1]x", "http://[::1]]:8080", "[::1]8080"})
    void anythingButAPortAfterAnIpv6AddressIsRefused(String endpoint) {
        // Not the scheme's default port: nginx and curl refuse these too (RFC 3986 3.2.2).
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(endpoint));
        assertEquals("expected :port after the IPv6 address in \"" + endpoint + "\" (expected: [address]:port)",
                e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://[1::2::3]:80", "[:::1]:80", "[12345::1]:80", "[1:2:3:4:5:6:7:8:9]:80", "[:]:80",
            "[\u0663::1]:80", "[fe80::1%eth0]:80", "[1:2:3:4:5:6:7:1.2.3.4]:80",
            "[00001::1]:80"})
    void anIpv6AddressOutsideTheGrammarIsRefused(String endpoint) {
        // Accepted, it would be looked up as a name on every request and fail with 502 (nginx refuses it too).
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse(endpoint));
        assertTrue(e.getMessage().startsWith("bad host in \"" + endpoint + "\""), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[2001:db8::1]:8080", "[::ffff:127.0.0.1]:80", "[1:2:3:4:5:6:7:8]:80", "[::]:80",
            "[64:ff9b::192.0.2.33]:80", "[1:2:3:4:5:6:1.2.3.4]:80", "[2001:DB8:0000::0001]:80",
            "[::ffff:192.168.100.200]:80"})
    void ipv6AddressesInEveryWrittenFormAreAccepted(String endpoint) {
        assertEquals(endpoint.substring(endpoint.lastIndexOf(':') + 1),
                Integer.toString(EndpointAddress.parse(endpoint).port()));
    }

    @Test
    void anIpv6AddressWithoutAPortTakesTheSchemesDefault() {
        assertEquals(80, EndpointAddress.parse("http://[::1]").port());
        assertEquals(443, EndpointAddress.parse("https://[::1]/").port());
    }

    @Test
    void aHostIsKeptInLowerCaseWhateverCaseItIsWrittenIn() {
        assertEquals("api.example.com:8080", EndpointAddress.parse("HTTP://Api.Example.COM:8080").authority());
        assertEquals("2001:db8::1", EndpointAddress.parse("[2001:DB8::1]:80").host());
        assertEquals("[::1]:80", EndpointAddress.parse("[0:0:0:0:0:0:0:1]:80").authority(), "an IPv6 address as RFC 5952 writes it");
        assertEquals("[2001:db8::1:0:0:1]:80", EndpointAddress.parse("[2001:0db8:0000:0000:0001:0000:0000:0001]:80").authority());
    }

    @Test
    void theHostHeaderLeavesOutOnlyTheSchemesDefaultPort() {
        assertEquals("app", EndpointAddress.parse("http://app").hostHeader());
        assertEquals("app", EndpointAddress.parse("app:80").hostHeader());
        assertEquals("app", EndpointAddress.parse("https://app:443").hostHeader());
        assertEquals("app:443", EndpointAddress.parse("app:443").hostHeader(), "443 is not plain HTTP's default");
        assertEquals("app:80", EndpointAddress.parse("https://app:80").hostHeader());
        assertEquals("[::1]", EndpointAddress.parse("http://[::1]").hostHeader());
        assertEquals("[::1]:8080", EndpointAddress.parse("[::1]:8080").hostHeader());
        assertEquals("app:80", EndpointAddress.parse("app:80").authority(), "the label keeps its port");
    }

    @Test
    void aPortOfNonAsciiDigitsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> EndpointAddress.parse("127.0.0.1:\u0664\u0665"));
    }

    @Test
    void theSameServerWrittenTwoWaysIsADuplicate() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["localhost:8081", "LOCALHOST:8081", "[::1]:8081", "[0:0:0:0:0:0:0:1]:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.upstreams.app.endpoints[1]: duplicate endpoint LOCALHOST:8081"
                + " (also endpoints[0])"), problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.upstreams.app.endpoints[3]: duplicate endpoint"
                + " [0:0:0:0:0:0:0:1]:8081 (also endpoints[2])"), problems.get(1));
    }

    @Test
    void anIpv6EndpointIsRefusedWhenTheProcessOpensIpv4SocketsOnly() {
        String config = """
                rampart {
                  upstreams { app { endpoints = ["[2001:db8::7f00:1]:8081", "[::ffff:10.0.0.1]:8081", "10.0.0.2:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        assertEquals(3, ConfigLoader.parse(config, "test.conf", Map.of()).upstreams().get("app").endpoints().size(),
                "both families reachable without the flag");
        String before = System.getProperty("java.net.preferIPv4Stack");
        System.setProperty("java.net.preferIPv4Stack", "true");
        try {
            // the IPv4-mapped address is an IPv4 address: only the first is out of reach
            List<String> problems = problemsOf(config);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("rampart.upstreams.app.endpoints[0]: endpoint [2001:db8::7f00:1]:8081"
                    + " is an IPv6 address, which this process cannot reach: it runs with"
                    + " -Djava.net.preferIPv4Stack=true"), problems.get(0));
        } finally {
            if (before == null) {
                System.clearProperty("java.net.preferIPv4Stack");
            } else {
                System.setProperty("java.net.preferIPv4Stack", before);
            }
        }
    }

    @Test
    void oneHostAndPortWithAndWithoutTlsIsADuplicate() {
        // Breakers, loads, health and metrics know an endpoint by host:port: the two would share them.
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["http://10.0.0.1:8443", "https://10.0.0.1:8443", "https://10.0.0.2:8443"] } }
                  routes = [ { upstream = app } ]
                }
                """);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.upstreams.app.endpoints[1]: duplicate endpoint"
                + " https://10.0.0.1:8443 (also endpoints[0])"), problems.get(0));
    }

    @Test
    void anEndpointThatIsTheProxyItselfIsWarnedOf() {
        List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                rampart {
                  server { port = 8080 }
                  admin { port = 9901 }
                  upstreams {
                    loop { endpoints = ["127.0.0.1:8080"], max-concurrent-requests = 512 }
                    admin { endpoints = ["localhost:9901"], max-concurrent-requests = 512 }
                    other { endpoints = ["10.0.0.5:8080"], max-concurrent-requests = 512 }
                  }
                  routes = [ { upstream = loop } ]
                }
                """, "test.conf", Map.of()));
        assertEquals(List.of(
                "upstream \"loop\": endpoint 127.0.0.1:8080 is this proxy's own listener; every request to it comes"
                        + " back as a new request (a loop)",
                "upstream \"admin\": endpoint localhost:9901 is this proxy's admin port; clients of this upstream's"
                        + " routes reach /admin and /metrics"),
                warnings.stream().filter(w -> w.contains("this proxy's")).toList());
    }

    @Test
    void theProxyItselfIsRecognisedWhicheverWayItsAddressIsWritten() {
        String[][] pairs = {
            {"::", "[::ffff:127.0.0.1]:8080"}, {"0:0:0:0:0:0:0:1", "[::1]:8080"}, {"::ffff:127.0.0.1", "127.0.0.1:8080"},
            {"::", "0.0.0.0:8080"}, {"0.0.0.0", "[::]:8080"}, {"::1", "[0:0:0:0:0:0:0:1]:8080"}};
        for (String[] pair : pairs) {
            List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                    rampart {
                      server { host = "%s", port = 8080 }
                      upstreams { app { endpoints = ["%s"], max-concurrent-requests = 512 } }
                      routes = [ { upstream = app } ]
                    }
                    """.formatted(pair[0], pair[1]), "test.conf", Map.of()));
            assertTrue(warnings.stream().anyMatch(w -> w.contains("is this proxy's own listener")),
                    pair[0] + " / " + pair[1] + ": " + warnings);
        }
    }

    @Test
    void aListenerOnOneAddressAndTheApplicationOnLoopbackAtTheSamePortIsNoLoop() {
        for (String listener : new String[] {"192.0.2.2", "::1"}) {
            List<String> warnings = ConfigWarnings.of(ConfigLoader.parse("""
                    rampart {
                      server { host = "%s", port = 8080 }
                      upstreams { app { endpoints = ["127.0.0.1:8080"], max-concurrent-requests = 512 } }
                      routes = [ { upstream = app } ]
                    }
                    """.formatted(listener), "test.conf", Map.of()));
            assertEquals(List.of(), warnings.stream().filter(w -> w.contains("this proxy's")).toList(),
                    "the sidecar layout, listener on " + listener);
        }
    }

    @Test
    void anHttpsEndpointNamedWithAnUnderscoreIsRefusedWhileItsNameIsToBeVerified() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["https://my_service:8443"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of("rampart.upstreams.app.endpoints: https://my_service:8443: a name with '_' cannot be"
                + " checked against the endpoint's certificate by Java's TLS; reach it by a name without '_' (a DNS"
                + " or network alias), or set tls.verify-hostname = false" + at(2)), problems);

        ConfigLoader.parse(hocon.replace("] } }", "], tls { verify-hostname = false } } }"), "unverified.conf");
        ConfigLoader.parse(hocon.replace("https://", ""), "plain-http.conf");
    }

    @Test
    void listenerHostsFollowTheEndpointsIpv4Rule() {
        String hocon = """
                rampart {
                  server { host = "999.1.1.1" }
                  admin { host = "127.1" }
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app } ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        String rule = "an IPv4 address is four decimal numbers 0-255 without leading zeros (127.0.0.1)";
        assertEquals(List.of(
                "rampart.server.host: bad host \"999.1.1.1\": " + rule + at(2),
                "rampart.admin.host: bad host \"127.1\": " + rule + at(3)), problems);
    }
}
