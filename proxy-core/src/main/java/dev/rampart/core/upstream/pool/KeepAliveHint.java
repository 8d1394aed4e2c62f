package dev.rampart.core.upstream.pool;

import dev.rampart.core.proxy.ListElements;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long an upstream says it keeps an idle connection open: the {@code timeout} parameter of its
 * {@code Keep-Alive} response field (RFC 2068 §19.7.1.1; Node.js sends {@code Keep-Alive: timeout=5} on every
 * response, Apache {@code timeout=5, max=100}). An upstream closes such a connection when that time is up,
 * whatever the proxy's {@code pool-idle-timeout}; a request written onto it in that instant fails, and a POST
 * cannot be sent again. So a pooled connection is taken again only well within the hint: one second less, or
 * half of it when the hint is under two seconds (Node's HTTP agent and undici keep one second too).
 */
final class KeepAliveHint {

    /** No hint: the connection may stay idle for as long as {@code pool-idle-timeout} allows. */
    static final long NONE = Long.MAX_VALUE;

    private static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Beyond this many digits a timeout is longer than anything the pool keeps a connection for. */
    private static final int MAX_DIGITS = 9;

    private KeepAliveHint() {
    }

    /**
     * How long a connection may have been idle and still be taken for a request, in nanoseconds, from the
     * response's {@code Keep-Alive} lines; {@link #NONE} when none of them has a valid {@code timeout}. Of
     * several, the shortest counts. Anything malformed is ignored: the field is only advice.
     */
    static long reusableIdleNanos(List<String> lines) {
        long shortest = NONE;
        ListElements.Cursor elements = ListElements.of(lines);
        while (elements.next()) {
            long seconds = timeoutSeconds(elements.element());
            if (seconds >= 0) {
                shortest = Math.min(shortest, withMargin(TimeUnit.SECONDS.toNanos(seconds)));
            }
        }
        return shortest;
    }

    static long withMargin(long hintNanos) {
        return hintNanos - Math.min(MARGIN_NANOS, hintNanos / 2);
    }

    /** The seconds of a {@code timeout=N} (or {@code timeout="N"}) element, -1 for any other element. */
    private static long timeoutSeconds(String element) {
        int eq = element.indexOf('=');
        if (eq < 0 || !element.substring(0, eq).trim().equalsIgnoreCase("timeout")) {
            return -1;
        }
        String value = element.substring(eq + 1).trim();
        if (value.length() >= 2 && value.charAt(0) == '"' && value.charAt(value.length() - 1) == '"') {
            value = value.substring(1, value.length() - 1);
        }
        if (value.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                return -1;
            }
        }
        return value.length() > MAX_DIGITS ? Long.MAX_VALUE / 1_000_000_000L : Long.parseLong(value);
    }
}
