package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The warning about a connection that does not begin with a PROXY protocol header quotes what the decoder said,
 * which quotes the client's bytes: those are escaped, so that a client on the listener cannot send terminal
 * controls (a cleared screen, a rewritten line) to whoever tails the log.
 */
class ProxyProtocolWarningTextTest {

    @Test
    void controlCharactersOfAMalformedHeaderAreEscapedInTheWarning() throws Exception {
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
             ProxyHarness proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")
                     + "rampart.server.proxy-protocol = true\n");
             LogCapture logs = LogCapture.start()) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write("PROXY TCP4 203.0.113.\u001b[2J\u001b[1;1H 10.0.0.1 1 2\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                socket.getInputStream().readAllBytes(); // closed unanswered
            }

            Await.until(() -> !logs.warnings().isEmpty(), "the malformed header warned about");
            String warning = logs.warnings().get(0).getFormattedMessage();
            assertFalse(warning.contains("\u001b"), "a raw ESC from the client: " + warning);
            assertTrue(warning.contains("203.0.113.\\x1B[2J\\x1B[1;1H"), warning);
        }
    }
}
