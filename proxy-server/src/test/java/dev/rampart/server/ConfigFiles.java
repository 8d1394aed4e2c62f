package dev.rampart.server;

import com.sun.net.httpserver.HttpServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Config files as the reload tests start from and change them: moved into place, or with an include that takes
 * its time.
 */
final class ConfigFiles {

    private ConfigFiles() {
    }

    /** Writes {@code config} to {@code file} and starts the proxy on it, the file watched, as the jar does. */
    static RampartServer startWith(Path file, String config) throws Exception {
        Files.writeString(file, config);
        ConfigSource source = ConfigSource.resolve(Optional.of(file));
        return RampartServer.start(source, source.load(), false);
    }

    /** Written next to it and moved into place, as the README asks: one event, not a truncation and writes. */
    static void replace(Path file, String content) throws Exception {
        Path next = Files.writeString(file.resolveSibling(file.getFileName() + ".next"), content);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Serves an included file ({@code /more.conf}, one route) once {@code answer} is counted down; counts
     * {@code fetched} down when asked.
     */
    static HttpServer slowInclude(CountDownLatch fetched, CountDownLatch answer) throws Exception {
        HttpServer included = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        included.createContext("/more.conf", exchange -> {
            fetched.countDown();
            try {
                answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "routes = [ { name = slow, respond { status = 200 } } ]".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        included.start();
        return included;
    }
}
