package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.RawHttp;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An upstream whose accept queue is full until the test lets connections in: a connect to it is in flight, its SYN
 * dropped by the kernel (counted in {@code TcpExt ListenDrops}) and sent again a second after the first, until
 * {@link #letIn}. Then the kernel completes it with nothing of the proxy running, and the upstream answers each
 * request 200, or holds the conversation the test gives it.
 */
final class LateAcceptUpstream implements AutoCloseable {

    /** What the upstream says on one accepted connection; it is closed afterwards. */
    interface Conversation {
        void hold(Socket accepted) throws IOException;
    }

    private final ServerSocket listener = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    private final List<Socket> fillers = new ArrayList<>();
    private final Conversation conversation;
    private final long dropsWhenFull;
    private volatile boolean closed;

    LateAcceptUpstream() throws IOException {
        this(LateAcceptUpstream::answer);
    }

    LateAcceptUpstream(Conversation conversation) throws IOException {
        this.conversation = conversation;
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()), 200);
                fillers.add(s);
            } catch (IOException queueFull) {
                s.close();
                break;
            }
        }
        dropsWhenFull = listenDrops();
    }

    String authority() {
        return "127.0.0.1:" + listener.getLocalPort();
    }

    /** Returns once the kernel has dropped a SYN since the queue filled: the proxy's connect is in flight. */
    void awaitDroppedConnect() {
        Await.until(() -> listenDrops() > dropsWhenFull, "a connect held back by the full accept queue");
    }

    /** Empties the accept queue and answers what comes from now on. */
    void letIn() throws IOException {
        for (Socket filler : fillers) {
            filler.close(); // its accepted end reads the end at once
        }
        Thread acceptor = new Thread(this::acceptLoop, "late-accept-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = listener.accept();
                Thread answer = new Thread(() -> converse(s), "late-accept-answer");
                answer.setDaemon(true);
                answer.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void converse(Socket s) {
        try (s) {
            conversation.hold(s);
        } catch (IOException e) {
            // a filler, closed before any request
        }
    }

    private static void answer(Socket s) throws IOException {
        RawHttp.readHead(s.getInputStream());
        OutputStream out = s.getOutputStream();
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\naccepted"
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The SYNs the kernel dropped on listeners of this network namespace so far. */
    private static long listenDrops() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                    String[] names = lines.get(i).split(" ");
                    String[] values = lines.get(i + 1).split(" ");
                    for (int n = 0; n < names.length; n++) {
                        if (names[n].equals("ListenDrops")) {
                            return Long.parseLong(values[n]);
                        }
                    }
                }
            }
            throw new IllegalStateException("no TcpExt ListenDrops in /proc/net/netstat");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        for (Socket filler : fillers) {
            filler.close();
        }
        listener.close();
    }
}
