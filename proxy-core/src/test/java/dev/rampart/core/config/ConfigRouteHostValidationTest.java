package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Routes' {@code match.host}: an exact name or a leading wildcard; an IPv6 address in brackets, refused where it is
 * written when it is none, and kept in the short form clients write.
 */
class ConfigRouteHostValidationTest extends RejectedConfigSupport {

    @Test
    void hostIsExactOrALeadingWildcard() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { host = "*.example.com" } },
                    { upstream = app, match { host = "api.*.com" } },
                    { upstream = app, match { host = "*" } },
                    { upstream = app, match { host = "example.com:8080" } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[1].match.host: expected a host name or \"*.suffix\", got \"api.*.com\"" + at(5),
                "rampart.routes[3].match.host: expected a host name or \"*.suffix\", got \"example.com:8080\"" + at(7)),
                problems);
    }

    @Test
    void aLoneStarIsAnyHostAsLeavingTheKeyOut() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [ { upstream = app, match { host = " * ", path-prefix = "/a" } } ]
                }
                """, "test");
        assertEquals(Optional.empty(), config.routes().get(0).match().host());
    }

    @Test
    void aBracketedHostThatIsNoIpv6AddressIsRefusedWhereItIsWritten() {
        String hocon = """
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { host = "[2001:db8::1]" } },
                    { upstream = app, match { host = "[1::2::3]" } },
                    { upstream = app, match { host = "[1.2.3.4]" } }
                  ]
                }
                """;
        List<String> problems = problemsOf(hocon);
        assertEquals(List.of(
                "rampart.routes[1].match.host: expected an IPv6 address in brackets, such as [2001:db8::1], got"
                        + " \"[1::2::3]\"" + at(5),
                "rampart.routes[2].match.host: expected an IPv6 address in brackets, such as [2001:db8::1], got"
                        + " \"[1.2.3.4]\"" + at(6)), problems);
    }

    @Test
    void anIpv6HostIsKeptInItsShortFormAsClientsWriteIt() {
        RampartConfig config = ConfigLoader.parse("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] } }
                  routes = [
                    { upstream = app, match { host = "[0:0:0:0:0:0:0:1]" } },
                    { upstream = app, match { host = "[2001:DB8:0:0:0:0:0:1]" } },
                    { upstream = app, match { host = "[::FFFF:192.0.2.1]" } }
                  ]
                }
                """, "test");
        // An IPv4 tail stays as written, as RFC 5952 §5 has clients write it and the router compares it.
        assertEquals(List.of("[::1]", "[2001:db8::1]", "[::ffff:192.0.2.1]"),
                config.routes().stream().map(r -> r.match().host().orElseThrow()).toList());
    }
}
