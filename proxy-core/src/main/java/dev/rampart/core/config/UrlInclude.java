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
