package dev.rampart.core.proxy;

import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On epoll and io_uring each event loop listens on the port itself (SO_REUSEPORT) and serves the connections it
 * accepts, with no hand-over from an accepting thread; the port still refuses a second listener, as a port in use
 * should. NIO keeps one acceptor that hands connections to the loops.
 */
class ListeningSocketsTest {

    private static final String DIRECT = ProxyHarness.config("app { endpoints = [\"127.0.0.1:9\"] }",
            "{ name = direct, match { path-prefix = \"/\" }, respond { status = 200, body = \"direct\" } }");
    private static final String PER_LOOP = DIRECT + "rampart.server { reuse-port = true }\n";

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void eachEventLoopServesTheConnectionsItAccepted(String transport) {
        ProxyHarness proxy = closing.add(ProxyHarness.start(PER_LOOP, Transports.named(transport)));
        List<Channel> served = connectAndServe(proxy, 32);
        Set<EventLoop> loops = new HashSet<>();
        for (Channel ch : served) {
            assertSame(ch.parent().eventLoop(), ch.eventLoop(), "accepted on the loop that serves it");
            loops.add(ch.eventLoop());
        }
        assertEquals(2, loops.size(), "the kernel spreads 32 connections over both loops' sockets");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nio", "io_uring", "epoll"})
    void byDefaultAndOnNioOneAcceptorHandsTheConnectionsToTheLoopsInTurn(String transport) {
        String config = transport.equals("nio") ? PER_LOOP : DIRECT; // NIO has no SO_REUSEPORT whatever is asked
        ProxyHarness proxy = closing.add(ProxyHarness.start(config, Transports.named(transport)));
        Set<EventLoop> loops = new HashSet<>();
        for (Channel ch : connectAndServe(proxy, 4)) {
            assertNotSame(ch.parent().eventLoop(), ch.eventLoop());
            loops.add(ch.eventLoop());
        }
        assertEquals(2, loops.size(), "four connections, two loops in turn");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aSecondListenerOnTheSamePortIsRefusedAsAPortInUse(String transport) {
        ProxyHarness first = closing.add(ProxyHarness.start(PER_LOOP, Transports.named(transport)));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> closing.add(ProxyHarness.start(
                PER_LOOP + "rampart.server { port = " + first.port() + " }\n", Transports.named(transport))));
        assertTrue(refused.getMessage().startsWith("cannot listen on 127.0.0.1:" + first.port() + ": "),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("in use"), refused.getMessage());
        try (RawHttp raw = first.raw()) {
            assertEquals("direct", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text(), "the first still serves");
        }
    }

    /** {@code n} clients each get an answer; the proxy's side of their connections. */
    private List<Channel> connectAndServe(ProxyHarness proxy, int n) {
        for (int i = 0; i < n; i++) {
            RawHttp raw = closing.add(proxy.raw());
            assertEquals("direct", raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().text());
        }
        List<Channel> open = new ArrayList<>(proxy.listener().connections());
        assertEquals(n, open.size());
        return open;
    }
}
