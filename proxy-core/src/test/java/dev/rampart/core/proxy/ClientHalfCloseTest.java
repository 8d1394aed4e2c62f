package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that shuts down its sending side right after its request ({@code nc -N}, many health-check
 * scripts) still gets the answers the proxy makes itself; the connection closes after them.
 */
class ClientHalfCloseTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"/ping, 200, pong", "/nowhere, 404, ROUTE_NOT_FOUND", "/ping/%00, 400, BAD_REQUEST"})
    void theProxysOwnAnswerReachesAClientThatStoppedSending(String path, int status, String text) throws IOException {
        String upstreams = "app { endpoints = [\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"] }";
        String routes = "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong\", "
                + "content-type = \"text/plain\" } }";
        try (ProxyHarness proxy = ProxyHarness.start(ProxyHarness.config(upstreams, routes));
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(5_000);
            String target = path.replace("%00", "\u0000");
            socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();

            String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertTrue(all.startsWith("HTTP/1.1 " + status), "got: " + all);
            assertTrue(all.contains(text), all);
        }
    }
}
