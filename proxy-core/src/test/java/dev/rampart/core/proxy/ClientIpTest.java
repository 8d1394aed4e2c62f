package dev.rampart.core.proxy;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The client address as X-Forwarded-For and the access log give it: IPv6 in its short form, as nginx does. */
class ClientIpTest {

    @Test
    void ipv6IsWrittenInItsShortForm() throws Exception {
        assertEquals("::1", ForwardedHeaders.clientIp(new InetSocketAddress(InetAddress.getByName("::1"), 40000)));
        assertEquals("2001:db8::7", ForwardedHeaders.clientIp(
                new InetSocketAddress(InetAddress.getByName("2001:db8:0:0:0:0:0:7"), 40000)));
    }

    @Test
    void ipv4IsWrittenAsItIs() throws Exception {
        assertEquals("10.1.2.3", ForwardedHeaders.clientIp(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 1)));
    }
}
