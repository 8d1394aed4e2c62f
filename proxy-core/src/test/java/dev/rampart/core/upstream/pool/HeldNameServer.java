package dev.rampart.core.upstream.pool;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A DNS server on a loopback UDP port that answers every A query with 127.0.0.1, but only once the test lets it:
 * the first query is held until {@link #answer()}, so that its answer can reach the proxy at a moment the test
 * chooses (during a stop of the proxy's event loops). Queries for other types get an empty answer.
 */
final class HeldNameServer implements AutoCloseable {

    private static final int TYPE_A = 1;

    private final DatagramSocket socket;
    private final Thread thread;
    private final CountDownLatch asked = new CountDownLatch(1);
    private final CountDownLatch answering = new CountDownLatch(1);

    HeldNameServer() throws SocketException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::serve, "held-name-server");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Waits until a query came, which is held unanswered. */
    void awaitQuery() throws InterruptedException {
        if (!asked.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("no DNS query came");
        }
    }

    /** Answers the held query, and every one after it at once. */
    void answer() {
        answering.countDown();
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        answering.countDown();
        thread.join(5_000);
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                asked.countDown();
                answering.await();
                byte[] reply = reply(Arrays.copyOf(query.getData(), query.getLength()));
                socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
            } catch (IOException e) {
                return; // closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The query's id and question, then one A record of 127.0.0.1 for an A query (RFC 1035 §4.1). */
    private static byte[] reply(byte[] query) {
        int questionEnd = 12;
        while (query[questionEnd] != 0) {
            questionEnd += (query[questionEnd] & 0xff) + 1;
        }
        questionEnd += 1 + 4; // the root label, then QTYPE and QCLASS
        int type = ((query[questionEnd - 4] & 0xff) << 8) | (query[questionEnd - 3] & 0xff);
        boolean a = type == TYPE_A;
        ByteBuffer out = ByteBuffer.allocate(questionEnd + 16);
        out.put(query, 0, 2) // the query's id
                .putShort((short) 0x8180) // a response, recursion desired and available, no error
                .putShort((short) 1).putShort((short) (a ? 1 : 0)).putShort((short) 0).putShort((short) 0)
                .put(query, 12, questionEnd - 12);
        if (a) {
            out.putShort((short) 0xc00c) // the name: a pointer to the question's
                    .putShort((short) TYPE_A).putShort((short) 1).putInt(60).putShort((short) 4)
                    .put(new byte[] {127, 0, 0, 1});
        }
        return Arrays.copyOf(out.array(), out.position());
    }
}
