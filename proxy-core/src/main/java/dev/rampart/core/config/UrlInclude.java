package dev.rampart.core.config;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.time.Duration;

/**
 * The URL of an included URL ({@code include url(...)}, or a quoted name that is a URL) with timeouts on its
 * connection: HOCON reads it with none, so a server that accepts the connection and never answers would hold
 * the start, or the reload stuck on it and every reload after it, for ever. What HOCON includes relative to
 * it opens a connection of HOCON's own: the server's {@code UrlReadDefaults} give those their timeouts.
 */
final class UrlInclude {

    /** To connect, and then between two reads. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private UrlInclude() {
    }

    /** Typesafe's message for an HTTP error status: {@code Server returned HTTP response code: 503 for URL: ...}. */
    private static final java.util.regex.Pattern HTTP_STATUS =
            java.util.regex.Pattern.compile("HTTP response code: (\\d{3})");

    /**
     * Why reading an included URL failed, in an operator's words: the JDK's exceptions name their class
     * ({@code java.net.ConnectException: Connection refused}), and a 404 is a {@code FileNotFoundException}
     * whose message is the URL alone.
     */
    static String whyUnread(IOException failure) {
        if (failure instanceof java.net.ConnectException) {
            return "connection refused or unreachable";
        }
        if (failure instanceof java.net.UnknownHostException) {
            return "unknown host " + failure.getMessage();
        }
        if (failure instanceof java.net.SocketTimeoutException) {
            return "no answer within " + ConfigUnits.duration(TIMEOUT);
        }
        if (failure instanceof java.io.FileNotFoundException) {
            return "not found (HTTP 404 or 410)";
        }
        String message = failure.getMessage();
        java.util.regex.Matcher status = message == null ? null : HTTP_STATUS.matcher(message);
        if (status != null && status.find()) {
            return "HTTP " + status.group(1);
        }
        return message == null || message.isBlank() ? "the read failed" : message;
    }

    /** {@code url}, whose connections time out after {@link #TIMEOUT}. */
    @SuppressWarnings("deprecation") // URL(URL, String, URLStreamHandler) is the one way to give a URL its handler
    static URL withTimeouts(URL url) throws MalformedURLException {
        return new URL(null, url.toString(), new URLStreamHandler() {
            @Override
            protected URLConnection openConnection(URL u) throws IOException {
                URLConnection connection = new URL(u.toString()).openConnection(); // the protocol's own handler
                connection.setConnectTimeout((int) TIMEOUT.toMillis());
                connection.setReadTimeout((int) TIMEOUT.toMillis());
                return new Capped(connection, MAX_BYTES);
            }
        });
    }

    /**
     * The most an included URL may send. HOCON reads the whole body into memory before it parses it: a server
     * that sends without end (or {@code file:} of a huge file) would fill the heap, which a reload shares with the
     * proxy serving requests. A config of thousands of routes is a few megabytes.
     */
    static final long MAX_BYTES = 16L * 1024 * 1024;

    /** The body went past {@link #MAX_BYTES}; the message says so in an operator's words. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    /** The {@link TooLarge} among {@code failure}'s causes (HOCON wraps it as it reads), or null. */
    static TooLarge tooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TooLarge tooLarge) {
                return tooLarge;
            }
        }
        return null;
    }

    /** A connection whose body ends in an error past {@code max} bytes; HOCON calls no more than these methods. */
    static final class Capped extends URLConnection {
        private final URLConnection connection;
        private final long max;

        Capped(URLConnection connection, long max) {
            super(connection.getURL());
            this.connection = connection;
            this.max = max;
        }

        @Override
        public void connect() throws IOException {
            connection.connect();
        }

        @Override
        public void setRequestProperty(String key, String value) {
            connection.setRequestProperty(key, value);
        }

        @Override
        public String getContentType() {
            return connection.getContentType();
        }

        @Override
        public int getConnectTimeout() {
            return connection.getConnectTimeout();
        }

        @Override
        public int getReadTimeout() {
            return connection.getReadTimeout();
        }

        @Override
        public java.io.InputStream getInputStream() throws IOException {
            java.io.InputStream body = connection.getInputStream();
            return new java.io.FilterInputStream(body) {
                private long read;

                @Override
                public int read() throws IOException {
                    int b = super.read();
                    count(b < 0 ? 0 : 1);
                    return b;
                }

                @Override
                public int read(byte[] into, int offset, int length) throws IOException {
                    int n = super.read(into, offset, length);
                    count(Math.max(n, 0));
                    return n;
                }

                private void count(int n) throws IOException {
                    read += n;
                    if (read > max) {
                        throw new TooLarge("more than " + ConfigUnits.size(max)
                                + " sent, far more than a config (the wrong URL, or a server that does not stop?)");
                    }
                }
            };
        }
    }
}
