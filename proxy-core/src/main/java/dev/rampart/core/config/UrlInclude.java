package dev.rampart.core.config;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.time.Duration;

/**
 * The URL of an {@code include url(...)} with timeouts on its connections: HOCON reads it (and what it
 * includes relative to it) with none, so a server that accepts the connection and never answers would hold
 * the start, or the reload stuck on it and every reload after it, for ever.
 */
final class UrlInclude {

    /** To connect, and then between two reads. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private UrlInclude() {
    }

    /** {@code url}, whose connections (and those of URLs made relative to it) time out after {@link #TIMEOUT}. */
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
