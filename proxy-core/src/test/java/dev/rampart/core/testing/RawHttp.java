package dev.rampart.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw socket HTTP/1.1 client: writes bytes exactly as given (for malformed, ambiguous or pipelined
 * requests) and parses responses by their framing.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(String host, int port) {
        this(host, port, null);
    }

    /** Connects from {@code localAddress} (another loopback address, 127.0.0.2, is another client); null: any. */
    public RawHttp(String host, int port, java.net.InetAddress localAddress) {
        try {
            socket = new Socket(host, port, localAddress, 0);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends {@code request} on a new connection from {@code localAddress} to the proxy at 127.0.0.1 and reads one response. */
    public static Response exchangeFrom(String localAddress, int port, String request) {
        try (RawHttp client = new RawHttp("127.0.0.1", port, java.net.InetAddress.getByName(localAddress))) {
            return client.send(request).read(request.startsWith("HEAD "));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * Reads a message head from {@code in}, up to and including the blank line, byte by byte so that
     * nothing behind it is consumed: for tests that read the body (or frames) from the raw stream.
     */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        byte[] end = {'\r', '\n', '\r', '\n'};
        int matched = 0;
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    public Socket socket() {
        return socket;
    }

    /** Reads one response; for a HEAD request pass {@code headRequest} so no body is expected. */
    public Response read(boolean headRequest) {
        try {
            String statusLine = line();
            if (statusLine == null) {
                return null;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            String l;
            while ((l = line()) != null && !l.isEmpty()) {
                int colon = l.indexOf(':');
                String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = l.substring(colon + 1).trim();
                headers.merge(name, value, (a, b) -> a + ", " + b);
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            byte[] body = new byte[0];
            if (!headRequest && status >= 200 && status != 204 && status != 304) {
                if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                    body = readChunked();
                } else if (headers.containsKey("content-length")) {
                    body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
                } else {
                    body = in.readAllBytes();
                }
            }
            return new Response(status, headers, body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Response read() {
        return read(false);
    }

    /** True when the server closed the connection (EOF or reset) within the socket timeout. */
    public boolean closedByPeer() {
        try {
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = line()) != null && !trailer.isEmpty()) {
                    // trailers ignored
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = buf.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            buf.write(b);
        }
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }

    /** A parsed response. Header names are lower case; repeated headers are joined with ", ". */
    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }
}
