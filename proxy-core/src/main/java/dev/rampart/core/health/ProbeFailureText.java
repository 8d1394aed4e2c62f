package dev.rampart.core.health;

import dev.rampart.core.observe.LogText;

import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * A failed probe in the words an operator reads in the log, as nginx puts a failed connect: what the system
 * or the peer said ({@code Connection refused: /10.0.0.7:8080}, {@code health check timed out after 2000 ms}),
 * not the Java types it travelled in. The types say little the messages do not, except two things: that
 * a message came from TLS (a certificate, an alert) and that a name did not resolve, which get a word
 * in front.
 */
final class ProbeFailureText {

    /** A Java class name at the start of a message, as a wrapper quotes its cause: {@code javax.net.ssl.X: }. */
    private static final Pattern CLASS_NAME_PREFIX = Pattern.compile("^(?:[a-z_][\\w$]*\\.)+[A-Z][\\w$]*(?::\\s*|$)");
    private static final int MAX_CHAIN = 16;

    private ProbeFailureText() {
    }

    /** A failed probe in words: the status it got, or what went wrong (may quote upstream bytes, made printable). */
    static String describe(Integer status, Throwable cause) {
        if (cause == null) {
            return "answered " + status;
        }
        List<String> messages = new ArrayList<>();
        boolean tls = false;
        boolean unresolved = false;
        Throwable t = cause;
        for (int depth = 0; t != null && depth < MAX_CHAIN; depth++) {
            tls |= t instanceof SSLException;
            unresolved |= t instanceof UnknownHostException;
            String message = withoutClassNames(t.getMessage());
            // A wrapper that repeats its cause's message (Netty's DecoderException, an annotated connect
            // failure that adds the address) says it once: the longer of the two is kept.
            if (!message.isEmpty() && messages.stream().noneMatch(m -> m.contains(message))) {
                messages.removeIf(message::contains);
                messages.add(message);
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        String text = messages.isEmpty() ? withoutMessage(cause) : messages.get(0)
                + (messages.size() == 1 ? "" : " (" + String.join("; ", messages.subList(1, messages.size())) + ")");
        String prefix = tls ? "TLS: " : unresolved ? "unknown host: " : "";
        return LogText.printable(prefix + text);
    }

    private static String withoutClassNames(String message) {
        if (message == null) {
            return "";
        }
        String text = message.trim();
        while (true) {
            String stripped = CLASS_NAME_PREFIX.matcher(text).replaceFirst("").trim();
            if (stripped.equals(text)) {
                return text;
            }
            text = stripped;
        }
    }

    /** A failure that carries no message anywhere in its chain: what it is is all there is to say. */
    private static String withoutMessage(Throwable cause) {
        Throwable innermost = cause;
        for (int depth = 0; depth < MAX_CHAIN && innermost.getCause() != null && innermost.getCause() != innermost;
                depth++) {
            if (innermost instanceof ClosedChannelException) {
                break;
            }
            innermost = innermost.getCause();
        }
        return innermost instanceof ClosedChannelException ? "connection closed" : innermost.getClass().getSimpleName();
    }
}
