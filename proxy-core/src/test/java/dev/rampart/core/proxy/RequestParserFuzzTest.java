package dev.rampart.core.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.UpstreamBehavior;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Mutated requests (a seeded generator: flipped bytes, stray CR/LF/NUL, injected framing headers, odd
 * header values, folds, cut-offs) never make an exception escape the client pipeline, never hold a
 * connection past the configured timeouts, and always get a well-formed response or a close. Set
 * {@code -Dfuzz.seed=N} to replay a failure; the seed is printed in every failure message.
 */
class RequestParserFuzzTest {

    private static final int CASES = 300;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 [1-5][0-9]{2} .*");
    private static final String[] BASES = {
        "GET /a?q=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nX-Note: plain value\r\n\r\n",
        "POST /p HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
        "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;e=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
        "PUT /u HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\nabc",
        "GET http://x/abs HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n",
    };
    private static final String[] INSERTS = {
        "\r\n", "\n", "\r", "\u0000", " ", "\t", "\r\n ", ":", ",", ";", "0", "ff", "\u00ff", "\u007f",
        "Transfer-Encoding: chunked\r\n", "Content-Length: 5\r\n", "Content-Length: 0\r\n", "Host: y\r\n",
        "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\r\n", "HTTP/1.1", "%00", "FFFFFFFFFFFFFFFF\r\n",
    };
    private static final String[] ODD_VALUES = {
        "1,1", "11, 11", "0x10", "-1", "+5", "", "1 1", "\t5", "99999999999999999999", "chunked, gzip",
        "gzip, chunked", " chunked", "chunked\u000b", "identity", "x:80", "http://y/", "\u00e9",
    };

    @Test
    void mutatedRequestsGetAWellFormedAnswerOrACloseInTime() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        List<byte[]> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            cases.add(mutate(random, BASES[random.nextInt(BASES.length)]));
        }
        EscapedExceptions escaped = EscapedExceptions.attach();
        String config = "rampart {\n"
                + "  server { host = \"127.0.0.1\", port = 0, request-header-timeout = 300ms,"
                + " request-body-timeout = 300ms, idle-timeout = 2s }\n"
                + "  admin { port = 0 }\n  access-log { enabled = false }\n"
                + "  upstreams { app { endpoints = [\"%s\"] } }\n"
                + "  routes = [ { name = default, match { path-prefix = \"/\" }, upstream = app, timeout = 3s } ]\n}\n";
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try (FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.echo());
             ProxyHarness proxy = ProxyHarness.start(String.format(config, upstream.authority()))) {
            List<Future<String>> verdicts = new ArrayList<>();
            for (byte[] request : cases) {
                verdicts.add(pool.submit(() -> exchange(proxy.port(), request)));
            }
            for (int i = 0; i < verdicts.size(); i++) {
                String problem = verdicts.get(i).get(30, TimeUnit.SECONDS);
                if (problem != null) {
                    fail("seed " + seed + ", case " + i + ": " + problem + "\nrequest: "
                            + printable(cases.get(i)));
                }
            }
        } finally {
            pool.shutdownNow();
            escaped.detach();
        }
        assertEquals(List.of(), escaped.events, "seed " + seed + ": exceptions reached the client pipeline");
    }

    private static byte[] mutate(Random random, String base) {
        StringBuilder s = new StringBuilder(base);
        int mutations = 1 + random.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int at = random.nextInt(s.length() + 1);
            switch (random.nextInt(6)) {
                case 0 -> s.insert(at, INSERTS[random.nextInt(INSERTS.length)]);
                case 1 -> {
                    if (at < s.length()) {
                        s.setCharAt(at, (char) random.nextInt(256));
                    }
                }
                case 2 -> s.delete(at, Math.min(s.length(), at + 1 + random.nextInt(6)));
                case 3 -> s.setLength(Math.max(1, at)); // the client stops mid-way
                case 4 -> {
                    // An odd value for a random header, framing headers included.
                    int colon = s.indexOf(": ", at);
                    int lineEnd = colon < 0 ? -1 : s.indexOf("\r\n", colon);
                    if (lineEnd > colon) {
                        s.replace(colon + 2, lineEnd, ODD_VALUES[random.nextInt(ODD_VALUES.length)]);
                    }
                }
                default -> {
                    int lineEnd = s.indexOf("\r\n", at);
                    int lineStart = s.lastIndexOf("\r\n", Math.max(0, at - 1));
                    if (lineEnd > lineStart && lineStart >= 0) {
                        s.insert(lineEnd + 2, s.substring(lineStart + 2, lineEnd + 2)); // a repeated line
                    }
                }
            }
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends one request; returns null when the answer is acceptable, else what was wrong. */
    private static String exchange(int port, byte[] request) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            // Past head and body timeouts (300 ms each) plus the route timeout, with room for a busy machine.
            socket.setSoTimeout(8_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException closedEarly) {
                return null; // the proxy refused and closed while we were still writing: a close is fine
            }
            InputStream in = socket.getInputStream();
            String status = line(in);
            if (status == null) {
                return null; // a clean close
            }
            if (!STATUS_LINE.matcher(status).matches()) {
                return "malformed status line: " + status;
            }
            if (status.startsWith("HTTP/1.1 100")) {
                line(in);
                status = line(in);
                if (status == null) {
                    return null;
                }
            }
            long length = -1;
            boolean chunked = false;
            String header;
            while ((header = line(in)) != null && !header.isEmpty()) {
                int colon = header.indexOf(':');
                if (colon <= 0) {
                    return "malformed header line: " + header;
                }
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                }
            }
            if (header == null) {
                return "the response head was cut off";
            }
            if (length >= 0 && in.readNBytes((int) length).length != length) {
                return "the response body was shorter than its Content-Length";
            }
            if (chunked) {
                readChunked(in);
            }
            return null;
        } catch (SocketTimeoutException e) {
            return "no answer and no close within the timeouts";
        } catch (IOException e) {
            return null; // reset by the proxy: a close
        } catch (RuntimeException e) {
            return "unparseable response: " + e;
        }
    }

    private static void readChunked(InputStream in) throws IOException {
        while (true) {
            String size = line(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return;
            }
            in.readNBytes(n);
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                String s = buf.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            buf.write(b);
        }
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
    }

    private static String printable(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.toString();
    }

    /**
     * Collects exceptions the client pipeline saw that are not plain I/O (a peer resetting is routine):
     * the client handler logs every exception it catches at DEBUG, so this raises it to DEBUG while the
     * test runs, and also collects anything logged at ERROR by the proxy.
     */
    private static final class EscapedExceptions extends AppenderBase<ILoggingEvent> {
        final List<String> events = new CopyOnWriteArrayList<>();
        private Logger clientLogger;
        private Level previousLevel;
        private Logger proxyLogger;

        static EscapedExceptions attach() {
            EscapedExceptions appender = new EscapedExceptions();
            appender.clientLogger = (Logger) LoggerFactory.getLogger(ClientRequestHandler.class);
            appender.previousLevel = appender.clientLogger.getLevel();
            appender.clientLogger.setLevel(Level.DEBUG);
            appender.proxyLogger = (Logger) LoggerFactory.getLogger("dev.rampart");
            appender.start();
            appender.proxyLogger.addAppender(appender);
            return appender;
        }

        void detach() {
            proxyLogger.detachAppender(this);
            clientLogger.setLevel(previousLevel);
            stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            boolean error = event.getLevel().isGreaterOrEqual(Level.ERROR);
            Throwable thrown = event.getThrowableProxy() instanceof ThrowableProxy p ? p.getThrowable() : null;
            boolean unexpected = thrown != null && !(thrown instanceof IOException)
                    && event.getLoggerName().equals(ClientRequestHandler.class.getName());
            if (error || unexpected) {
                events.add(event.getLevel() + " " + event.getFormattedMessage() + (thrown == null ? "" : ": " + thrown));
            }
        }
    }
}
