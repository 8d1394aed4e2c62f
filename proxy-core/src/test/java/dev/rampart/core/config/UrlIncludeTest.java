package dev.rampart.core.config;

import dev.rampart.core.testing.FakeUpstream;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URL;
import java.net.URLConnection;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An included URL is read with timeouts, however it is written; one that cannot be read says why. */
class UrlIncludeTest {

    private static final int TIMEOUT_MILLIS = (int) UrlInclude.TIMEOUT.toMillis();

    @Test
    void theIncludedUrlsConnectionsTimeOut() throws Exception {
        URLConnection connection = UrlInclude.withTimeouts(new URL("http://127.0.0.1:9/base/x.conf")).openConnection();

        assertEquals(TIMEOUT_MILLIS, connection.getConnectTimeout());
        assertEquals(TIMEOUT_MILLIS, connection.getReadTimeout());
        assertEquals("http://127.0.0.1:9/base/x.conf", connection.getURL().toString());
    }

    @Test
    void anIncludedUrlThatCannotBeReadIsNamedWithWhy() throws Exception {
        int closed = FakeUpstream.refusingPort();
        String url = "http://127.0.0.1:" + closed + "/more.conf";

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "rampart { routes = [ { name = p, respond { status = 200 } } ] }\nextra { include url(\"" + url + "\") }",
                "test.conf"));

        assertEquals(List.of("cannot read the included URL " + url + " (connection refused or unreachable)"),
                e.problems());
        ConfigException quoted = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "rampart { routes = [ { name = p, respond { status = 200 } } ] }\nextra { include \"" + url + "\" }",
                "test.conf"));
        assertEquals(e.problems(), quoted.problems(), "a quoted name that is a URL is read the same way, timeouts too");
    }

    @Test
    void aQuotedNameThatIsAUrlOfNothingIsAnErrorLikeAnyMissingInclude() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                "rampart { routes = [ { name = p, respond { status = 200 } } ] }\n"
                        + "extra { include \"file:/nonexistent/rampart/x.conf\" }", "test.conf"));

        assertEquals(List.of("cannot read the included URL file:/nonexistent/rampart/x.conf"), e.problems());
    }

    @Test
    void aUrlIncludedRelativeToAnIncludedUrlIsNamedWhenItCannotBeRead() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            boolean first = exchange.getRequestURI().getPath().equals("/conf/a.conf");
            byte[] body = "include \"b.conf\"\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(first ? 200 : 503, first ? body.length : -1);
            if (first) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/conf/";
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                    "rampart { routes = [ { name = p, respond { status = 200 } } ] }\nextra { include url(\""
                            + base + "a.conf\") }", "test.conf"));

            assertEquals(List.of("cannot read the included URL " + base + "b.conf (HTTP 503)"), e.problems(),
                    "the one that failed, not the one that included it, and the status it was answered with");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void anIncludedUrlThatSendsWithoutEndIsRefusedPastTheLimitNotReadIntoTheHeap() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked, no end announced
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'a');
            try (var body = exchange.getResponseBody()) {
                while (true) {
                    body.write(chunk); // until the reader gives up and the connection closes
                }
            } catch (java.io.IOException readerGone) {
                exchange.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newSingleThreadExecutor());
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/endless.conf";
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(
                    "rampart { routes = [ { name = p, respond { status = 200 } } ] }\nextra { include url(\""
                            + url + "\") }", "test.conf"));

            assertEquals(List.of("cannot read the included URL " + url + " (more than 16m sent, far more than a config"
                    + " (the wrong URL, or a server that does not stop?))"), e.problems());
        } finally {
            server.stop(0);
        }
    }
}
