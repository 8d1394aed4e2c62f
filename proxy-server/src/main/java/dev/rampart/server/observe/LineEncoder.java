package dev.rampart.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;

import java.nio.charset.StandardCharsets;

/**
 * The access log's encoder: each event's formatted message and a line feed, in UTF-8, nothing else
 * (what a {@code PatternLayoutEncoder} with {@code %msg%n} writes on Linux). A pattern layout builds the
 * line in a buffer of its own, copies it to a string and encodes that: three copies of every line, on
 * the drain thread, whose garbage the event loops pay for in collections (docs/performance.md). Here a
 * line that is all ASCII, as access-log lines nearly always are (a path in normal form is, and the log
 * escapes control characters), is copied once, straight into the array written out; any other is encoded
 * as the layout would.
 */
public class LineEncoder extends EncoderBase<ILoggingEvent> {

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return line(event.getFormattedMessage());
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }

    /** {@code text} and a line feed in UTF-8; a null text is written as {@code null}, as a layout would. */
    static byte[] line(String text) {
        String message = String.valueOf(text);
        int length = message.length();
        for (int i = 0; i < length; i++) {
            if (message.charAt(i) >= 0x80) {
                return (message + '\n').getBytes(StandardCharsets.UTF_8);
            }
        }
        byte[] line = new byte[length + 1];
        asciiBytes(message, line);
        line[length] = '\n';
        return line;
    }

    /**
     * Each character of an all-ASCII {@code text} as its byte: the one copy that String has without an
     * intermediate array. Deprecated because it drops the high byte of other characters, which
     * {@link #line} has ruled out.
     */
    @SuppressWarnings("deprecation")
    private static void asciiBytes(String text, byte[] into) {
        text.getBytes(0, text.length(), into, 0);
    }
}
