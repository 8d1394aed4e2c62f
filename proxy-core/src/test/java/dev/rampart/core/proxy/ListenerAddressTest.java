package dev.rampart.core.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.rampart.core.testing.ProxyHarness;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** How a listener's address is written in what the proxy says of it. */
class ListenerAddressTest {

    @Test
    void anIpv6AddressIsBracketedSoItsPortCanBeToldFromIt() {
        assertEquals("[::]:8080", ProxyListener.hostAndPort("::", 8080));
        assertEquals("[::1]:8080", ProxyListener.hostAndPort("[::1]", 8080));
        assertEquals("10.0.0.5:8080", ProxyListener.hostAndPort("10.0.0.5", 8080));
        assertEquals("localhost:8080", ProxyListener.hostAndPort("localhost", 8080));
    }

    @Test
    void aListenerThatCannotBindOnAnIpv6AddressSaysWhichInBrackets() throws IOException {
        ServerSocket taken;
        try {
            taken = new ServerSocket(0, 1, InetAddress.getByName("::1"));
        } catch (IOException noIpv6) {
            assumeTrue(false, "no IPv6 loopback here: " + noIpv6);
            return;
        }
        try (taken) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ProxyHarness.start(
                    ProxyHarness.config("app { endpoints = [\"127.0.0.1:9\"] }", "{ name = app, upstream = app }")
                            + "rampart.server { host = \"::1\", port = " + taken.getLocalPort() + " }\n"));
            assertTrue(e.getMessage().startsWith("cannot listen on [::1]:" + taken.getLocalPort() + ": "),
                    e.getMessage());
        }
    }
}
