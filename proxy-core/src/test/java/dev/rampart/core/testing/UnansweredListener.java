package dev.rampart.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A listener that never accepts, with its accept queue already full: the kernel leaves further SYNs
 * unanswered, so a connect to it times out (a real connect timeout, not a refusal).
 */
public final class UnansweredListener implements AutoCloseable {

    private final ServerSocket listener;
    private final List<Socket> fillers = new ArrayList<>();

    private UnansweredListener() throws IOException {
        listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")); // what authority() names
    }

    /** Opens the listener and fills its accept queue. */
    public static UnansweredListener start() {
        try {
            UnansweredListener silent = new UnansweredListener();
            silent.fillAcceptQueue();
            return silent;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void fillAcceptQueue() {
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), 200);
                fillers.add(s);
            } catch (IOException queueFull) {
                closeQuietly(s);
                return; // this connect timed out: so will the proxy's
            }
        }
        close();
        throw new IllegalStateException("the accept queue never filled; connect timeouts cannot be produced here");
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as an endpoint is written in the config. */
    public String authority() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        fillers.forEach(UnansweredListener::closeQuietly);
        closeQuietly(listener);
    }

    private static void closeQuietly(AutoCloseable socket) {
        try {
            socket.close();
        } catch (Exception ignored) {
            // a socket that never connected, or one closed already
        }
    }
}
