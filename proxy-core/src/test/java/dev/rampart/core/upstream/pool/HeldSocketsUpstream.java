package dev.rampart.core.upstream.pool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that accepts connections and holds them, each known by the proxy side's port, so that a test can
 * close one, or send it stray bytes, from the upstream's side. It reads each connection to its end and closes
 * it then, so {@link #open()} is what the upstream still holds open.
 */
final class HeldSocketsUpstream implements AutoCloseable {

    private final ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    private final Map<Integer, Socket> byProxyPort = new ConcurrentHashMap<>();
    private final AtomicInteger accepted = new AtomicInteger();

    HeldSocketsUpstream() throws IOException {
        Thread acceptor = new Thread(this::acceptLoop, "held-sockets-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String authority() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections the upstream holds open now. */
    int open() {
        return byProxyPort.size();
    }

    /**
     * Closes the upstream's side of the connection whose proxy side has local port {@code proxyPort}; false when the
     * upstream holds no such connection.
     */
    boolean close(int proxyPort) throws IOException, InterruptedException {
        Socket s = socketOf(proxyPort);
        if (s != null) {
            byProxyPort.remove(proxyPort, s);
            s.close();
        }
        return s != null;
    }

    /** Sends bytes nobody asked for on the connection (a late or unsolicited response); false when it holds none. */
    boolean sendStray(int proxyPort) throws IOException, InterruptedException {
        Socket s = socketOf(proxyPort);
        if (s != null) {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        return s != null;
    }

    /**
     * The connection of {@code proxyPort}, waited for a little: the proxy's connect completes before the acceptor
     * thread has taken the connection in.
     */
    private Socket socketOf(int proxyPort) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Socket s;
        while ((s = byProxyPort.get(proxyPort)) == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return s;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                byProxyPort.put(s.getPort(), s);
                Thread reader = new Thread(() -> readToEnd(s), "held-socket-" + s.getPort());
                reader.setDaemon(true);
                reader.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void readToEnd(Socket s) {
        try (s; InputStream in = s.getInputStream()) {
            byte[] buf = new byte[1024];
            while (in.read(buf) >= 0) {
                // the pool sends nothing in these tests; whatever comes is dropped
            }
        } catch (IOException ended) {
            // closed by the test or reset: either way the connection is gone
        } finally {
            byProxyPort.remove(s.getPort(), s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : byProxyPort.values()) {
            s.close();
        }
    }
}
