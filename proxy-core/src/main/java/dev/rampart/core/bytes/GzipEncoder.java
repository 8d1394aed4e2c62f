package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one body into the gzip format (RFC 1952) as it streams: each {@link #compress} returns the
 * compressed form of what it was given, flushed so that the receiver can decompress all of it at once (a
 * stream of events must not wait in the compressor for the next one), and {@link #finish} the end of the
 * stream. Uses the JDK's zlib {@link Deflater} in raw mode with the gzip header and trailer written here,
 * since the JDK's {@code GZIPOutputStream} works on streams, not on the buffers a proxy relays.
 *
 * <p>Not thread-safe: one encoder per response, used on its event loop. The deflater's native memory (about
 * 256 KiB) is given back by {@link #finish} or {@link #close}, whichever comes first.
 */
public final class GzipEncoder implements AutoCloseable {

    /** Magic, deflate, no flags, no modification time, no extra flags, unknown operating system. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int TRAILER_LENGTH = 8;
    /** Room for deflate's output beyond its input's size: a flush marker and block headers. */
    private static final int SLACK = 64;

    private final Deflater deflater;
    private final CRC32 crc = new CRC32();
    private final ByteBufAllocator alloc;
    private final Runnable onEnd;
    private boolean headerWritten;
    private boolean ended;

    public GzipEncoder(int level, ByteBufAllocator alloc) {
        this(level, alloc, () -> { });
    }

    /** @param onEnd run once, when the deflater's memory has been given back */
    public GzipEncoder(int level, ByteBufAllocator alloc, Runnable onEnd) {
        this.deflater = new Deflater(level, true);
        this.alloc = alloc;
        this.onEnd = onEnd;
    }

    /**
     * The compressed form of {@code in}'s readable bytes, flushed to a byte boundary (deflate's sync flush).
     * {@code in} stays the caller's, its reader index unchanged.
     */
    public ByteBuf compress(ByteBuf in) {
        ByteBuf out = alloc.buffer(in.readableBytes() / 2 + SLACK + HEADER.length);
        try {
            writeHeaderOnce(out);
            for (ByteBuffer part : in.nioBuffers()) {
                crc.update(part.duplicate());
                deflater.setInput(part);
                while (!deflater.needsInput()) {
                    deflateInto(out, Deflater.NO_FLUSH);
                }
            }
            // A sync flush is complete once deflate leaves room unused in its output.
            while (deflateInto(out, Deflater.SYNC_FLUSH)) {
                // the output was full: more may follow
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.release(); // an OutOfMemoryError too: out cannot grow when direct memory runs out
            throw e;
        }
    }

    /** The end of the stream: what deflate still holds and the gzip trailer. Gives the deflater's memory back. */
    public ByteBuf finish() {
        ByteBuf out = alloc.buffer(SLACK + HEADER.length + TRAILER_LENGTH);
        try {
            writeHeaderOnce(out);
            deflater.finish();
            while (!deflater.finished()) {
                deflateInto(out, Deflater.NO_FLUSH);
            }
            out.writeIntLE((int) crc.getValue());
            out.writeIntLE((int) deflater.getBytesRead()); // ISIZE: the input's length modulo 2^32
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        } finally {
            close();
        }
    }

    /** Gives the deflater's native memory back; the stream cannot go on. Safe to call more than once. */
    @Override
    public void close() {
        if (!ended) {
            ended = true;
            deflater.end();
            onEnd.run();
        }
    }

    private void writeHeaderOnce(ByteBuf out) {
        if (!headerWritten) {
            headerWritten = true;
            out.writeBytes(HEADER);
        }
    }

    /** One call of deflate into {@code out}'s free space; true when it filled all of that space. */
    private boolean deflateInto(ByteBuf out, int flush) {
        out.ensureWritable(SLACK);
        int room = out.writableBytes();
        int written = deflater.deflate(out.nioBuffer(out.writerIndex(), room), flush);
        out.writerIndex(out.writerIndex() + written);
        return written == room;
    }
}
