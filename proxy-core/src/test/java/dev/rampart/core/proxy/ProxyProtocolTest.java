package dev.rampart.core.proxy;

import dev.rampart.core.observe.ProxyProtocolFailure;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.TestCertificates;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code server.proxy-protocol}, over real sockets, with the headers an L4 load balancer writes: the client a
 * v1 or v2 header names is the client for {@code X-Forwarded-For}, {@code X-Real-IP}, {@code allow-from} and the
 * access log, on every request of the connection and over TLS; a {@code LOCAL} or {@code UNKNOWN} header keeps
 * the peer; a connection that does not begin with a header, or whose header does not come in time, is closed
 * without an answer, counted and (when malformed) warned about.
 */
class ProxyProtocolTest {

    private static final String GET = "GET /x HTTP/1.1\r\nHost: app\r\n\r\n";
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    Path dir;

    private final FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.ok("hello"));
    private ProxyHarness proxy;

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    private ProxyHarness start(String serverSettings) {
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"" + upstream.authority() + "\"] }",
                "{ name = office, match { path-prefix = \"/office\" }, upstream = app,"
                        + " allow-from = [\"203.0.113.0/24\"] }\n"
                        + "{ name = app, match { path-prefix = \"/\" }, upstream = app }")
                + "rampart.server { proxy-protocol = true\n" + serverSettings + "\n}\n");
        return proxy;
    }

    @Test
    void theClientAV1HeaderNamesIsTheClientOfEveryRequestOnTheConnection() {
        start("");
        try (RawHttp client = new RawHttp("127.0.0.1", proxy.port())) {
            client.send("PROXY TCP4 203.0.113.9 10.0.0.1 51234 443\r\n" + GET);
            assertEquals(200, client.read().status());
            client.send("GET /office HTTP/1.1\r\nHost: app\r\n\r\n");
            assertEquals(200, client.read().status(), "allow-from judges the declared client");
        }
        List<RecordedRequest> seen = upstream.requests();
        for (RecordedRequest request : seen) {
            assertEquals("203.0.113.9", request.header("X-Forwarded-For"));
            assertEquals("203.0.113.9", request.header("X-Real-IP"));
        }
        assertEquals(2, seen.size());
        assertEquals("203.0.113.9", proxy.observer.awaitExchange(1).client(), "the access log's client");
    }

    @Test
    void allowFromRefusesAClientTheHeaderNamesOutsideItsList() {
        start("");
        RawHttp.Response answer = exchange("PROXY TCP4 198.51.100.1 10.0.0.1 51234 443\r\n"
                + "GET /office HTTP/1.1\r\nHost: app\r\n\r\n");
        assertEquals(403, answer.status());
        assertEquals(0, upstream.requests().size());
    }

    @Test
    void aV1Ipv6ClientWrittenWithAnIpv4TailIsThatIpv6Client() {
        start("");
        // ::203.0.113.9 is how glibc writes ::cb00:7109, an IPv6 address: not the office's 203.0.113.9
        assertEquals(403, exchange("PROXY TCP6 ::203.0.113.9 ::1 51234 443\r\nGET /office HTTP/1.1\r\nHost: app\r\n\r\n")
                .status());
        assertEquals(200, exchange("PROXY TCP6 ::ffff:203.0.113.9 ::1 51234 443\r\nGET /office HTTP/1.1\r\nHost: app\r\n"
                + "\r\n").status(), "an IPv4-mapped address is the IPv4 client");
        assertEquals(List.of("203.0.113.9"), upstream.requests().stream()
                .map(request -> request.header("X-Forwarded-For")).toList());
    }

    @Test
    void aV2HeaderWithAnIpv6ClientAndTlvsIsReadWhenItArrivesInPieces() throws Exception {
        start("");
        byte[] header = v2Proxy(new byte[] {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7},
                new byte[16], 51234, 443, new byte[] {0x04, 0x00, 0x03, 'a', 'b', 'c'});
        try (RawHttp client = new RawHttp("127.0.0.1", proxy.port())) {
            // the signature, the rest of the header, then the request: three reads on the proxy's side
            client.send(java.util.Arrays.copyOfRange(header, 0, 7));
            Thread.sleep(100);
            client.send(java.util.Arrays.copyOfRange(header, 7, header.length));
            Thread.sleep(100);
            client.send(GET);
            assertEquals(200, client.read().status());
        }
        assertEquals("2001:db8::7", upstream.requests().get(0).header("X-Forwarded-For"));
    }

    @Test
    void aV2HeaderForAnIpv4ClientGivesThatClient() {
        start("");
        byte[] header = v2(0x21, 0x11, ByteBuffer.allocate(12)
                .put(new byte[] {(byte) 192, 0, 2, 33}).put(new byte[] {10, 0, 0, 1})
                .putShort((short) 40000).putShort((short) 80).array());
        assertEquals(200, exchange(concat(header, GET.getBytes(StandardCharsets.US_ASCII))).status());
        assertEquals("192.0.2.33", upstream.requests().get(0).header("X-Forwarded-For"));
    }

    @Test
    void aLocalOrUnknownHeaderLeavesThePeerAsTheClient() {
        start("");
        byte[] local = v2(0x20, 0x00, new byte[0]); // a balancer's health check: LOCAL, no address
        assertEquals(200, exchange(concat(local, GET.getBytes(StandardCharsets.US_ASCII))).status());
        assertEquals(200, exchange("PROXY UNKNOWN\r\n" + GET).status());
        for (RecordedRequest request : upstream.requests()) {
            assertEquals("127.0.0.1", request.header("X-Forwarded-For"));
        }
        assertEquals(2, upstream.requests().size());
    }

    @Test
    void aDatagramSourceLeavesThePeerAsTheClient() {
        start("");
        byte[] udp = v2(0x21, 0x12, ByteBuffer.allocate(12)
                .put(new byte[] {10, 1, 2, 3}).put(new byte[] {10, 0, 0, 1})
                .putShort((short) 40000).putShort((short) 53).array());
        assertEquals(200, exchange(concat(udp, GET.getBytes(StandardCharsets.US_ASCII))).status());
        assertEquals("127.0.0.1", upstream.requests().get(0).header("X-Forwarded-For"));
    }

    @Test
    void aTlvThatRunsPastTheEndOfTheHeaderIsMalformed() throws Exception {
        start("");
        byte[] truncated = v2Proxy(new byte[16], new byte[16], 1, 2, new byte[] {0x04, 0x00, 0x10, 'a', 'b'});
        assertArrayEquals(new byte[0], closedAfterSending(concat(truncated, GET.getBytes(StandardCharsets.US_ASCII))));
        Await.until(() -> proxy.observer.proxyProtocolFailures.equals(List.of(ProxyProtocolFailure.MALFORMED)),
                "counted as malformed: " + proxy.observer.proxyProtocolFailures);
    }

    @Test
    void aV1LineTheSpecificationDoesNotAllowIsMalformedAsHaproxyHasIt() throws Exception {
        start("");
        List<String> lines = List.of("PROXY TCP4 10.1.1.1 10.0.0.1 1234 80 \r\n", "PROXY TCP4 10.1.1.1 10.0.0.1 +1234 80\r\n",
                "PROXY TCP4  10.1.1.1 10.0.0.1 1234 80\r\n", "PROXY TCP6 fe80::1%eth0 ::1 1234 80\r\n",
                "PROXY TCP6 [2001:db8::1] ::1 1234 80\r\n", "PROXY UNKNOWN " + "x".repeat(93) + "\r\n",
                "PROXY TCP4 010.02.00.01 127.0.0.1 1234 80\r\n", "PROXY TCP6 ::ffff:010.1.2.3 ::1 1234 80\r\n");
        for (String line : lines) {
            assertArrayEquals(new byte[0], closedAfterSending((line + GET).getBytes(StandardCharsets.US_ASCII)), line);
        }
        Await.until(() -> proxy.observer.proxyProtocolFailures.size() == lines.size(), "each counted");
        assertEquals(java.util.Collections.nCopies(lines.size(), ProxyProtocolFailure.MALFORMED),
                proxy.observer.proxyProtocolFailures);
        assertEquals(0, upstream.requests().size());

        // The longest line allowed, 107 bytes with its CRLF, and the ordinary ones, still pass.
        for (String line : List.of("PROXY UNKNOWN " + "x".repeat(91) + "\r\n", "PROXY UNKNOWN\r\n",
                "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1234 443\r\n", "PROXY TCP4 10.0.0.1 127.0.0.1 1234 80\r\n",
                "PROXY TCP4 192.0.2.0 127.0.0.1 1234 80\r\n")) {
            try (RawHttp raw = proxy.raw()) {
                raw.send((line + GET).getBytes(StandardCharsets.US_ASCII));
                assertEquals(200, raw.read().status(), line);
            }
        }
    }

    @Test
    void aV2HeaderThatDeclaresMoreThanTheLargestHeaderIsMalformedAtOnceNotLeftToTimeOut() throws Exception {
        start("request-header-timeout = 20s");
        byte[] fixed = java.util.Arrays.copyOf(v2(0x21, 0x11, new byte[0]), 16);
        fixed[14] = (byte) 0xFF; // 65,535 bytes to come, of which none are sent
        fixed[15] = (byte) 0xFF;
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(fixed, 0, 10); // the first bytes alone, then the rest with the length
            Thread.sleep(50);
            socket.getOutputStream().write(fixed, 10, 6);
            long start = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read(), "closed, nothing said");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5_000, "closed at once, not at the 20 s timeout: " + millis + " ms");
        }
        Await.until(() -> proxy.observer.proxyProtocolFailures.equals(List.of(ProxyProtocolFailure.MALFORMED)),
                "counted as malformed: " + proxy.observer.proxyProtocolFailures);
    }

    @Test
    void aV2HeaderOfExactlyTheLargestSizeTakenIsRead() throws Exception {
        start("");
        byte[] tlvs = new byte[ProxyProtocolHeader.MAX_V2_HEADER_BYTES - 16 - 36]; // beside an IPv6 address block
        tlvs[0] = 0x04; // one NOOP TLV (PP2_TYPE_NOOP) that fills the rest
        tlvs[1] = (byte) ((tlvs.length - 3) >> 8);
        tlvs[2] = (byte) ((tlvs.length - 3) & 0xFF);
        byte[] header = v2Proxy(new byte[16], new byte[16], 1234, 80, tlvs);
        assertEquals(ProxyProtocolHeader.MAX_V2_HEADER_BYTES, header.length);
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(concat(header, GET.getBytes(StandardCharsets.US_ASCII)));
            String head = RawHttp.readHead(socket.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
        }
    }

    @Test
    void aConnectionWaitingForItsHeaderIsAnOpenConnection() throws Exception {
        start("");
        try (Socket waiting = new Socket("127.0.0.1", proxy.port())) {
            Await.until(() -> proxy.observer.openConnections.get() == 1, "one open connection, header or not");
        }
        Await.until(() -> proxy.observer.openConnections.get() == 0, "closed");
    }

    @Test
    void aConnectionThatDoesNotBeginWithAHeaderIsClosedUnansweredCountedAndWarnedAbout() throws Exception {
        start("");
        try (LogCapture logs = LogCapture.start()) {
            assertArrayEquals(new byte[0], closedAfterSending(GET.getBytes(StandardCharsets.US_ASCII)));
            assertArrayEquals(new byte[0], closedAfterSending("PROXY TCP4 999.0.0.1 10.0.0.1 1 2\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            Await.until(() -> proxy.observer.proxyProtocolFailures.size() == 2, "two failures counted");
            assertEquals(List.of(ProxyProtocolFailure.MALFORMED, ProxyProtocolFailure.MALFORMED),
                    proxy.observer.proxyProtocolFailures);
            // A failure is counted before it is logged, and the two connections may be on different loops.
            Await.until(() -> !logs.warnings().isEmpty(), "the first failure's warning");
            assertEquals(1, logs.warnings().size(), "one warning for the spell: " + logs.dump());
            String warning = logs.warnings().get(0).getFormattedMessage();
            assertTrue(warning.contains("not a PROXY protocol header") && warning.endsWith(": unknown identifier: GET"),
                    logs.dump());
        }
        assertEquals(0, upstream.requests().size());
        assertEquals(0, proxy.observer.exchanges.size(), "no request was read, so none is logged");
    }

    @Test
    void aHeaderThatDoesNotArriveWithinTheRequestHeaderTimeoutClosesTheConnection() throws Exception {
        start("request-header-timeout = 300ms");
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("PROXY TCP4 203.0.".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read(), "closed, nothing said");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis >= 200 && millis < 5_000, "closed after " + millis + " ms");
        }
        Await.until(() -> proxy.observer.proxyProtocolFailures.equals(List.of(ProxyProtocolFailure.TIMEOUT)),
                "a timeout counted: " + proxy.observer.proxyProtocolFailures);
    }

    @Test
    void aConnectionClosedBeforeItsHeaderIsCountedAsClosed() throws Exception {
        start("");
        new Socket("127.0.0.1", proxy.port()).close(); // what a balancer's TCP health check does
        Await.until(() -> proxy.observer.proxyProtocolFailures.equals(List.of(ProxyProtocolFailure.CLOSED)),
                "a close counted: " + proxy.observer.proxyProtocolFailures);
    }

    @Test
    void theHeaderComesBeforeTheTlsHandshakeOnATlsListener() throws Exception {
        TestCertificates cert = TestCertificates.generate(dir, "listener", "localhost", "dns:localhost,ip:127.0.0.1");
        start("tls { cert-chain = \"" + cert.certChain() + "\", private-key = \"" + cert.privateKey() + "\" }");
        try (Socket plain = new Socket("127.0.0.1", proxy.port())) {
            plain.getOutputStream().write("PROXY TCP6 2001:db8::9 2001:db8::1 51234 443\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            try (SSLSocket tls = (SSLSocket) cert.trustingClientContext().getSocketFactory()
                    .createSocket(plain, "127.0.0.1", proxy.port(), true)) {
                tls.setSoTimeout(10_000);
                tls.getOutputStream().write(GET.getBytes(StandardCharsets.US_ASCII));
                String head = RawHttp.readHead(tls.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 200 "), head);
            }
        }
        RecordedRequest seen = upstream.requests().get(0);
        assertEquals("2001:db8::9", seen.header("X-Forwarded-For"));
        assertEquals("https", seen.header("X-Forwarded-Proto"));
    }

    @Test
    void withProxyProtocolFromOnlyTheListedBalancersSendTheHeaderAndOtherPeersArePlainHttp() throws Exception {
        start("proxy-protocol-from = [\"10.0.0.0/8\", \"fd00::/8\"]");
        RawHttp.Response direct = exchange(GET);
        assertEquals(200, direct.status(), "a peer that is no balancer is served without a header");
        assertEquals("127.0.0.1", upstream.requests().get(0).header("X-Forwarded-For"));
        assertEquals(400, exchange("PROXY TCP4 203.0.113.9 10.0.0.1 51234 443\r\n" + GET).status(),
                "nor may it name a client");
        assertEquals(1, upstream.requests().size());
        proxy.close();

        start("proxy-protocol-from = [\"127.0.0.0/8\"]");
        assertEquals(0, closedAfterSending(GET.getBytes(StandardCharsets.ISO_8859_1)).length,
                "a balancer's connection must begin with the header");
        assertEquals(200, exchange("PROXY TCP4 203.0.113.9 10.0.0.1 51234 443\r\n" + GET).status());
        assertEquals("203.0.113.9", upstream.requests().get(1).header("X-Forwarded-For"));
    }

    @Test
    void withoutTheSettingAProxyLineIsABadRequest() {
        proxy = ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", ""));
        assertEquals(400, exchange("PROXY TCP4 203.0.113.9 10.0.0.1 51234 443\r\n" + GET).status());
        assertEquals(0, upstream.requests().size());
    }

    private RawHttp.Response exchange(String bytes) {
        return exchange(bytes.getBytes(StandardCharsets.ISO_8859_1));
    }

    private RawHttp.Response exchange(byte[] bytes) {
        try (RawHttp client = new RawHttp("127.0.0.1", proxy.port())) {
            return client.send(bytes).read();
        }
    }

    /** Sends {@code bytes} and reads until the proxy closes: what it said before closing. */
    private byte[] closedAfterSending(byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes);
            return socket.getInputStream().readAllBytes();
        }
    }

    private static byte[] v2Proxy(byte[] source, byte[] destination, int sourcePort, int destinationPort, byte[] tlvs) {
        ByteBuffer body = ByteBuffer.allocate(36 + tlvs.length)
                .put(source).put(destination).putShort((short) sourcePort).putShort((short) destinationPort).put(tlvs);
        return v2(0x21, 0x21, body.array());
    }

    /** A v2 header: the signature, version and command, family and protocol, the length, then {@code body}. */
    private static byte[] v2(int versionAndCommand, int familyAndProtocol, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(V2_SIGNATURE);
        out.write(versionAndCommand);
        out.write(familyAndProtocol);
        out.write(body.length >> 8);
        out.write(body.length & 0xFF);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
