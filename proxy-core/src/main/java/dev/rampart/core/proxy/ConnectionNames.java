package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The field names a message's {@code Connection} lines list (RFC 9110 §7.6.1), asked about once for each header
 * of the message. Short lines (the usual {@code keep-alive}, {@code close}, a name or two) are scanned in place,
 * which allocates nothing; long ones are read once into a set, since scanning every line for every header cost
 * their product (a head of 2,700 short fields and a {@code Connection} of 5,000 commas took 12 ms of an event
 * loop).
 */
final class ConnectionNames {

    /** Up to this many characters in all, a scan per header costs less than building a set. */
    private static final int SCANNED_LENGTH = 256;

    private final List<String> lines;
    private final Set<String> many;

    private ConnectionNames(List<String> lines, Set<String> many) {
        this.lines = lines;
        this.many = many;
    }

    /**
     * The names {@code headers}' {@code Connection} lines list, every line's tokens (a sender may split it over
     * several, RFC 9110 §5.3), or null when it has none (which {@link ForwardedHeaders#crossesTheProxy} reads so),
     * or names only {@code keep-alive}: browsers and HTTP/1.0 clients send that one on every request, and the
     * field it names never crosses anyway, so no field need be looked up in it.
     */
    static ConnectionNames of(HttpHeaders headers) {
        if (!headers.contains(HttpHeaderNames.CONNECTION)) {
            return null;
        }
        List<String> lines = headers.getAll(HttpHeaderNames.CONNECTION);
        if (lines.size() == 1 && ListElements.isOnly(lines.get(0), HttpHeaderValues.KEEP_ALIVE)) {
            return null;
        }
        return of(lines);
    }

    /**
     * The one {@code name} line of {@code headers}, or null when there is none, more than one, or the field does not
     * cross the proxy ({@link ForwardedHeaders#crossesTheProxy}: one the client named in {@code Connection} is its
     * hop's only, RFC 9110 §7.6.1), so the proxy does not take it as the request's own either, as it forwards none
     * of it. Two lines are one comma-separated value (RFC 9110 §5.3), which no single-valued field may be.
     */
    static String soleEndToEnd(HttpHeaders headers, String name) {
        String value = headers.get(name);
        if (value == null) {
            return null;
        }
        Iterator<String> lines = headers.valueStringIterator(name);
        lines.next();
        return !lines.hasNext() && ForwardedHeaders.crossesTheProxy(name, of(headers)) ? value : null;
    }

    /** The names {@code lines} list: each element, trimmed, empty ones left out. */
    static ConnectionNames of(List<String> lines) {
        int length = 0;
        for (String line : lines) {
            length += line.length();
        }
        if (length <= SCANNED_LENGTH) {
            return new ConnectionNames(lines, null);
        }
        Set<String> names = new HashSet<>();
        ListElements.Cursor elements = ListElements.of(lines);
        while (elements.next()) {
            names.add(elements.element().toLowerCase(Locale.ROOT));
        }
        return new ConnectionNames(null, names);
    }

    /** Whether a line lists {@code name}, its case ignored. */
    boolean lists(CharSequence name) {
        if (name.length() == 0) {
            return false; // an empty element names nothing, in a scan as in the set
        }
        if (many != null) {
            return many.contains(name.toString().toLowerCase(Locale.ROOT));
        }
        for (int i = 0; i < lines.size(); i++) {
            if (ListElements.lists(lines.get(i), name, true)) {
                return true;
            }
        }
        return false;
    }
}
