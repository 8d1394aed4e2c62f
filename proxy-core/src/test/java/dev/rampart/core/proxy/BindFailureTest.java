package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a listener that cannot bind says: the same words on every transport, and what to do for the common reasons. */
class BindFailureTest {

    private static final String DIRECT = ProxyHarness.config("app { endpoints = [\"127.0.0.1:9\"] }",
            "{ name = direct, match { path-prefix = \"/\" }, respond { status = 200, body = \"direct\" } }");

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aPortAnotherProcessHoldsIsSaidToBeInUseWithHowToFindWho(String transport) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> closing.add(
                    ProxyHarness.start(DIRECT + "rampart.server { port = " + port + " }\n", Transports.named(transport))));
            // Netty's native transports said "bind(..) failed with error(-98): Address already in use"; NIO the
            // reason alone.
            assertEquals("cannot listen on 127.0.0.1:" + port + ": the port is in use: another process listens there"
                    + " (ss -ltnp 'sport = :" + port + "' names it; a proxy still draining holds it until it has"
                    + " stopped)", refused.getMessage());
        }
    }

    @Test
    void aLowPortRefusedToAUserWithoutTheCapabilitySaysWhatGrantsIt() {
        // Tests run as root here, where the kernel never refuses a low port: the exception as Netty throws it.
        assertEquals("permission denied: a port below 1024 needs root or the CAP_NET_BIND_SERVICE capability (setcap"
                        + " on the java binary, systemd's AmbientCapabilities=, Kubernetes' capabilities.add), or listen"
                        + " on a port above 1023",
                BindFailure.why(new IOException("bind(..) failed with error(-13): Permission denied"), 80));
        assertEquals("permission denied", BindFailure.why(new BindException("Permission denied"), 8080),
                "above 1023 the capability is not the reason (an SELinux or seccomp policy may be)");
    }

    @Test
    void anAddressOfAnotherMachineIsSaidToBeOne() {
        assertEquals("not an address of this machine (Cannot assign requested address)",
                BindFailure.why(new IOException("bind(..) failed with error(-99): Cannot assign requested address"), 8080));
        assertEquals("no such host", BindFailure.why(new java.nio.channels.UnresolvedAddressException(), 8080));
    }

    /** The start names the host's key for these, the port's for the rest. */
    @Test
    void aNameThatDoesNotResolveAndAnAddressOfAnotherMachineAreTheHostsDoing() {
        assertTrue(BindFailure.addressNotHere(new java.net.UnknownHostException("nowhere.example")));
        assertTrue(BindFailure.addressNotHere(
                new IOException("bind(..) failed with error(-99): Cannot assign requested address")));
        assertFalse(BindFailure.addressNotHere(new BindException("Address already in use")));
        assertFalse(BindFailure.addressNotHere(new BindException("Permission denied")));
    }

    @Test
    void anotherReasonIsGivenWithoutTheSystemCallAndErrno() {
        assertEquals("Address family not supported by protocol",
                BindFailure.why(new IOException("bind(..) failed with error(-97): Address family not supported by"
                        + " protocol"), 8080));
    }
}
