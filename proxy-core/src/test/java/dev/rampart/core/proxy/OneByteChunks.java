package dev.rampart.core.proxy;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/** Bodies of many one-byte chunks, the letters a to z over and over, for the small-chunk relay tests. */
final class OneByteChunks {

    private OneByteChunks() {
    }

    /** {@code count} chunks of one letter each, as they go on the wire, without the last chunk. */
    static String wire(int count) {
        StringBuilder wire = new StringBuilder(count * 6);
        for (int i = 0; i < count; i++) {
            wire.append("1\r\n").append(letter(i)).append("\r\n");
        }
        return wire.toString();
    }

    /** The body those chunks carry. */
    static String letters(int count) {
        StringBuilder letters = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            letters.append(letter(i));
        }
        return letters.toString();
    }

    private static char letter(int i) {
        return (char) ('a' + i % 26);
    }

    /** One line of a chunked body, without its CRLF; EOF when the connection closes mid-line. */
    static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("closed mid-line after \"" + line + "\"");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
