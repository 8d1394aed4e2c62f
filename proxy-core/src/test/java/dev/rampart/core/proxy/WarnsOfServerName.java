package dev.rampart.core.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TLS endpoint in front of another that answers a ClientHello naming {@code name} (SNI) with an
 * {@code unrecognized_name} warning alert and a close, as Apache httpd warns of a name none of its virtual
 * hosts has; any other hello is relayed, with everything after it, to the endpoint behind. Plain sockets and
 * a thread per connection: a test stand-in, not a proxy.
 */
final class WarnsOfServerName implements AutoCloseable {

    /** TLS alert record: level warning (1), description unrecognized_name (112). */
    private static final byte[] WARNING = {0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 112};

    private final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final byte[] name;
    private final int behind;
    private final AtomicInteger warned = new AtomicInteger();

    WarnsOfServerName(String name, int behindPort) throws IOException {
        this.name = name.getBytes(StandardCharsets.US_ASCII);
        this.behind = behindPort;
        Thread acceptor = new Thread(this::accept, "warns-of-server-name");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    int warned() {
        return warned.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread t = new Thread(() -> serve(client), "warns-of-server-name-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            byte[] header = in.readNBytes(5); // the record header: type, version, length
            if (header.length < 5) {
                return;
            }
            byte[] hello = in.readNBytes(((header[3] & 0xff) << 8) | (header[4] & 0xff));
            if (contains(hello, name)) {
                warned.incrementAndGet();
                client.getOutputStream().write(WARNING);
                client.getOutputStream().flush();
                return;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), behind)) {
                OutputStream toUpstream = upstream.getOutputStream();
                toUpstream.write(header);
                toUpstream.write(hello);
                toUpstream.flush();
                Thread back = new Thread(() -> copy(upstream, client), "warns-of-server-name-back");
                back.setDaemon(true);
                back.start();
                copy(client, upstream);
                back.join(5_000);
            }
        } catch (IOException | InterruptedException e) {
            // the test is over, or a side closed
        }
    }

    private static void copy(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException closed) {
            // one side went away: the other one notices
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
