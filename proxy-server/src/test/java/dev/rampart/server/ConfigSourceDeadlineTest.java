package dev.rampart.server;

import com.sun.net.httpserver.HttpServer;
import dev.rampart.core.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** Reading the config has a deadline: an included URL that answers a byte at a time cannot hold it for ever. */
class ConfigSourceDeadlineTest {

    @TempDir
    Path dir;

    @Test
    void aConfigStillBeingReadAtTheDeadlineIsRefused() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        HttpServer dripping = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        dripping.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked, and never finished: a byte now and then
            try (OutputStream body = exchange.getResponseBody()) {
                while (!done.await(100, TimeUnit.MILLISECONDS)) {
                    body.write(' ');
                    body.flush();
                }
            } catch (InterruptedException | IOException e) {
                // the test is over
            }
        });
        dripping.start();
        try {
            Path file = dir.resolve("proxy.conf");
            Files.writeString(file, "rampart { routes = [ { name = p, respond { status = 200 } } ] }\n"
                    + "extra { include url(\"http://127.0.0.1:" + dripping.getAddress().getPort() + "/x.conf\") }");
            ConfigSource source = ConfigSource.resolve(Optional.of(file)).within(Duration.ofMillis(700));

            ConfigException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(ConfigException.class, source::load));

            assertEquals(List.of(file + ": not read within 700ms (an included URL that answers too slowly?)"),
                    e.problems());
        } finally {
            done.countDown();
            dripping.stop(0);
        }
    }

    @Test
    void aConfigReadInTimeIsReadAsBefore() throws Exception {
        Path file = dir.resolve("proxy.conf");
        Files.writeString(file, "rampart { routes = [ { name = p, respond { status = 200 } } ] }");

        assertEquals("p", ConfigSource.resolve(Optional.of(file)).load().routes().get(0).name());
        Files.writeString(file, "rampart { routes = [ { name = p, respond { status = 99 } } ] }");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigSource.resolve(Optional.of(file)).load());
        assertEquals(1, e.problems().size(), "the reader's own error, as it was: " + e.problems());
    }
}
