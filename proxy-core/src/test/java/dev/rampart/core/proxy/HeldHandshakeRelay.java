package dev.rampart.core.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A relay in front of a TLS upstream that holds the upstream's first answer (its handshake flight) back until the
 * test lets it through: the proxy's handshake is in flight, and its answer arrives when the test chooses. What
 * follows is relayed as it comes, both ways.
 */
final class HeldHandshakeRelay implements AutoCloseable {

    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final int upstreamPort;
    private final CountDownLatch answerHeld = new CountDownLatch(1);
    private final CountDownLatch letThrough = new CountDownLatch(1);
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    HeldHandshakeRelay(int upstreamPort) throws IOException {
        this.upstreamPort = upstreamPort;
        Thread acceptor = new Thread(this::acceptLoop, "held-handshake-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Returns once the upstream has answered a handshake and the answer is held back. */
    void awaitAnswerHeld() throws InterruptedException {
        if (!answerHeld.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("no handshake reached the upstream");
        }
    }

    /** Sends the held answer on, and every later one at once. */
    void letThrough() {
        letThrough.countDown();
    }

    private void acceptLoop() {
        try {
            while (true) {
                Socket client = listener.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                sockets.add(client);
                sockets.add(upstream);
                copy(client, upstream, false);
                copy(upstream, client, true);
            }
        } catch (IOException closed) {
            // the relay is closed
        }
    }

    private void copy(Socket from, Socket to, boolean held) {
        Thread copier = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                boolean first = held;
                while ((n = in.read(buffer)) >= 0) {
                    if (first) {
                        answerHeld.countDown();
                        letThrough.await();
                        first = false;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            }
            closeQuietly(from);
            closeQuietly(to);
        }, "held-handshake-copy");
        copier.setDaemon(true);
        copier.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closed already
        }
    }

    @Override
    public void close() throws IOException {
        letThrough.countDown();
        listener.close();
        sockets.forEach(HeldHandshakeRelay::closeQuietly);
    }
}
