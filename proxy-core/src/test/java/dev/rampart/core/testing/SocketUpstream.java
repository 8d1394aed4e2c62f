package dev.rampart.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake upstream on plain blocking sockets, one thread per connection, for misbehaviour a Netty server
 * smooths over: answering before reading the request body, reading only part of it, closing with bytes
 * unread (the kernel then resets). The connection handler does the rest; the socket closes when it returns.
 */
public final class SocketUpstream implements AutoCloseable {

    /** Serves one accepted connection; {@code number} counts connections from 1. */
    @FunctionalInterface
    public interface Connection {
        void serve(Socket socket, int number) throws IOException;
    }

    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final AtomicInteger connections = new AtomicInteger();
    private final Connection handler;

    private SocketUpstream(Connection handler, String name) throws IOException {
        this.handler = handler;
        Thread acceptor = new Thread(this::acceptLoop, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts accepting on a free loopback port. */
    public static SocketUpstream start(String name, Connection handler) throws IOException {
        return new SocketUpstream(handler, name);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                int number = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(socket, number), Thread.currentThread().getName() + "-" + number);
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket socket, int number) {
        try (socket) {
            handler.serve(socket, number);
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    /** One line without its CR LF (or bare LF); null when the stream ends before any byte of it. */
    public static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                buf.write(b);
            }
        }
        return b == -1 && buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
