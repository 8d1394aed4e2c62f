package dev.rampart.core.proxy;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access record's bytes out count what the client received, for the proxy's own answers too. */
class AccessRecordBytesTest {

    private ProxyHarness proxy;

    @BeforeEach
    void start() {
        proxy = ProxyHarness.start(ProxyHarness.config(
                "app { endpoints = [\"127.0.0.1:" + FakeUpstream.refusingPort() + "\"] }",
                "{ name = ping, match { path-prefix = \"/ping\" }, respond { status = 200, body = \"pong!\" } },\n"
                        + "{ name = default, upstream = app, retry { attempts = 1 } }"));
    }

    @AfterEach
    void stop() {
        proxy.close();
    }

    @Test
    void anEnvelopeCountsItsBodyAsBytesOut() throws Exception {
        HttpResponse<byte[]> response = send("GET", "/anything");
        assertEquals(502, response.statusCode());
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        assertTrue(response.body().length > 0);
        assertEquals(response.body().length, record.bytesOut());
    }

    @Test
    void aDirectResponseCountsItsBodyAsBytesOut() throws Exception {
        HttpResponse<byte[]> response = send("GET", "/ping");
        assertEquals("pong!", new String(response.body(), StandardCharsets.UTF_8));
        assertEquals(5, proxy.observer.awaitExchange(1).bytesOut());
    }

    @Test
    void anEnvelopeForHeadSendsAndCountsNoBody() throws Exception {
        HttpResponse<byte[]> response = send("HEAD", "/anything");
        assertEquals(502, response.statusCode());
        assertEquals(0, proxy.observer.awaitExchange(1).bytesOut());
    }

    private HttpResponse<byte[]> send(String method, String path) throws Exception {
        return proxy.client().send(HttpRequest.newBuilder(proxy.uri(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
