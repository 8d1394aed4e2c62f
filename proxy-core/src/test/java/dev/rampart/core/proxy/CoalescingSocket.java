package dev.rampart.core.proxy;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A client socket to lay a TLS socket over, which can put what the TLS layer writes and bytes of the test's own
 * into ONE write: one segment on loopback, so the proxy reads them together. Writing the bytes on the socket
 * after the record would not do: the proxy may read the record before they come. It can also hold back the
 * end of a TLS 1.3 handshake (the client's Finished, written once the server's flight has been read) to go out
 * in that same write. Used from one thread, the one that drives the TLS socket.
 */
final class CoalescingSocket extends Socket {

    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private boolean holdAfterFirstRead;
    private boolean holding;
    private byte[] tail;
    private boolean tailSent;

    CoalescingSocket(int port) throws IOException {
        connect(new InetSocketAddress("127.0.0.1", port));
        setTcpNoDelay(true);
    }

    /**
     * Holds every write made once the server has first been heard from (in TLS 1.3, the client's last handshake
     * flight) until the write that {@link #appendToNextWrite} sends.
     */
    void holdWritesAfterFirstRead() {
        holdAfterFirstRead = true;
    }

    /** The next write goes out as one: whatever is held, what the TLS layer writes, then {@code bytes}. */
    void appendToNextWrite(byte[] bytes) {
        tail = bytes.clone();
    }

    /** Whether the bytes of {@link #appendToNextWrite} went out. */
    boolean tailSent() {
        return tailSent;
    }

    /** How many bytes are held back, unsent. */
    int heldBytes() {
        return held.size();
    }

    @Override
    public InputStream getInputStream() throws IOException {
        return new FilterInputStream(super.getInputStream()) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                heard(b == -1 ? 0 : 1);
                return b;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                int read = in.read(bytes, offset, length);
                heard(read);
                return read;
            }
        };
    }

    private void heard(int bytes) {
        if (bytes > 0 && holdAfterFirstRead) {
            holding = true;
            holdAfterFirstRead = false;
        }
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        return new FilterOutputStream(super.getOutputStream()) {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                if (tail != null) {
                    held.write(bytes, offset, length);
                    held.write(tail);
                    tail = null;
                    holding = false;
                    out.write(held.toByteArray());
                    held.reset();
                    tailSent = true;
                } else if (holding) {
                    held.write(bytes, offset, length);
                } else {
                    out.write(bytes, offset, length);
                }
            }
        };
    }
}
