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
                return connection;
            }
        });
    }
}
