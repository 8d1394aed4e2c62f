package dev.rampart.core.proxy;

import dev.rampart.core.config.PathEscapes;
import io.netty.buffer.ByteBuf;

/**
 * Follows the framing of a chunked request body (RFC 9112 §7.1) across reads, to tell where in a read
 * the body ends: chunk-size lines, chunk data skipped by its length, the line end after it, the last
 * chunk and the trailer section up to its blank line. It reads lines as Netty's decoder does (a line ends
 * at LF; a CR before it is part of the line end), and only to know where to cut a read: what the decoder
 * makes of the bytes is still what counts. On anything it cannot follow (a malformed size line) it stops
 * answering, and the reads pass uncut, as before.
 */
final class ChunkedBodyEnd {

    private enum State { SIZE_LINE, DATA, DATA_LINE_END, TRAILER_LINE, DONE, LOST }

    /**
     * Chunk sizes beyond this many significant hex digits are not followed (the decoder refuses sizes past
     * an int anyway); leading zeros do not count, as the decoder accepts any number of them.
     */
    private static final int MAX_SIZE_DIGITS = 15;

    private State state = State.LOST;
    private long size;
    private int sizeDigits;
    private int significantDigits;
    private boolean sizeEnded;
    private long dataLeft;
    /** The current trailer line has a byte other than CR: it is a field, not the blank line that ends the body. */
    private boolean trailerLineHasContent;

    /** A chunked body starts: its first byte is the first of a chunk-size line. */
    void start() {
        state = State.SIZE_LINE;
        resetSizeLine();
    }

    /**
     * Reads {@code buf} from {@code from} to {@code to}: the index just past the body's last byte when the
     * body ends in this range, else -1 (the body goes on, or it is not being followed).
     */
    int endIn(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            switch (state) {
                case SIZE_LINE -> {
                    byte b = buf.getByte(i++);
                    if (b == '\n') {
                        if (sizeDigits == 0) {
                            state = State.LOST;
                        } else if (size == 0) {
                            state = State.TRAILER_LINE;
                            trailerLineHasContent = false;
                        } else {
                            state = State.DATA;
                            dataLeft = size;
                        }
                    } else {
                        sizeChar(b);
                    }
                }
                case DATA -> {
                    int skip = (int) Math.min(dataLeft, to - i);
                    i += skip;
                    dataLeft -= skip;
                    if (dataLeft == 0) {
                        state = State.DATA_LINE_END;
                    }
                }
                case DATA_LINE_END -> {
                    if (buf.getByte(i++) == '\n') {
                        state = State.SIZE_LINE;
                        resetSizeLine();
                    }
                }
                case TRAILER_LINE -> {
                    byte b = buf.getByte(i++);
                    if (b == '\n') {
                        if (!trailerLineHasContent) {
                            state = State.DONE;
                            return i;
                        }
                        trailerLineHasContent = false;
                    } else if (b != '\r') {
                        trailerLineHasContent = true;
                    }
                }
                default -> {
                    return -1; // DONE or LOST: nothing more to follow until the next body starts
                }
            }
        }
        return -1;
    }

    /** A byte of a chunk-size line: hex digits, then (after ';', a space or a tab) extensions to skip. */
    private void sizeChar(byte b) {
        if (sizeEnded || b == '\r') {
            return;
        }
        int digit = PathEscapes.hexValue((char) (b & 0xFF));
        if (digit >= 0 && (size == 0 && digit == 0 || significantDigits < MAX_SIZE_DIGITS)) {
            if (size != 0 || digit != 0) {
                significantDigits++;
            }
            size = size * 16 + digit;
            sizeDigits++;
        } else if ((b == ';' || b == ' ' || b == '\t') && sizeDigits > 0) {
            sizeEnded = true;
        } else {
            state = State.LOST;
        }
    }

    private void resetSizeLine() {
        size = 0;
        sizeDigits = 0;
        significantDigits = 0;
        sizeEnded = false;
    }
}
