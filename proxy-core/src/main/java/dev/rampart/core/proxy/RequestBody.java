package dev.rampart.core.proxy;

import dev.rampart.core.bytes.HeldParts;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.ArrayList;
import java.util.List;

/**
 * A request body as it arrives from the client, with the replay buffer: while the body fits in
 * {@code replay-buffer} every chunk is kept so a retry can write it again byte for byte: a large chunk as one
 * retained reference, a small one copied onto the end of the copy before it (see {@link #COPIED_BELOW}).
 * Beyond the limit the kept chunks are released and the body is no longer replayable.
 * What is kept is reserved in the process-wide {@link ReplayMemory} first; a body that finds no room there
 * stops being replayable the same way. Owned by one exchange on one event loop; {@link #release()} runs
 * exactly once, when the exchange ends.
 */
final class RequestBody {

    /**
     * Chunks smaller than this are kept as copies, several to a buffer, not as a reference each: a reference
     * costs about 130 bytes of heap, so a megabyte of one-byte chunks, kept one reference each, held about
     * 130 MB of heap for one request while the replay memory counted a megabyte.
     */
    static final int COPIED_BELOW = HeldParts.COPIED_BELOW;
    /** The size of a buffer small chunks are copied into, or less when the replay buffer has less room left. */
    private static final int COPY_CAPACITY = HeldParts.COPY_CAPACITY;

    private final long replayLimit;
    private final ReplayMemory memory;
    private final long memoryLimit;
    /** Bytes this body holds reserved in {@link #memory}: at least what is kept, never more than announced. */
    private long reserved;
    /** Created with the first kept chunk: most requests have no body and never need it. */
    private List<ByteBuf> kept;
    /** The last kept buffer when it is a copy with room for more small chunks; else null. */
    private ByteBuf copyTail;
    private long received;
    private boolean complete;
    private boolean replayable;
    private HttpHeaders trailers;
    private boolean released;
    /** Why the last chunk appended was not kept when that was no direct memory for its copy; else null. */
    private OutOfMemoryError copyRefused;
    /** A chunk that neither an attempt nor the replay buffer could take yet (see {@link #hold}). */
    private HttpContent held;

    /**
     * @param expectsBody false for a request with no body: it is complete (and replayable) from the start
     */
    RequestBody(long replayLimit, boolean expectsBody, ReplayMemory memory, long memoryLimit) {
        this.replayLimit = replayLimit;
        this.memory = memory;
        this.memoryLimit = memoryLimit;
        this.replayable = true;
        this.complete = !expectsBody;
    }

    /**
     * Records one chunk. The caller keeps its own reference to {@code content} (to write it on); a
     * kept copy is an extra retained reference.
     */
    void append(ByteBuf content, boolean last, HttpHeaders lastTrailers) {
        int n = content.readableBytes();
        received += n;
        copyRefused = null;
        boolean chunkKept = replayable && received <= replayLimit && reserve(received) && (n == 0 || keep(content, n));
        if (replayable && !chunkKept) {
            replayable = false;
            releaseKept();
        }
        if (last) {
            complete = true;
            trailers = lastTrailers;
        }
    }

    /**
     * Keeps one chunk; false when there is no direct memory for the copy a small one goes into. The body then
     * stops being replayable, as when the replay memory has no room, and the chunk still goes to the attempt:
     * the upload needs no more memory to go on.
     */
    private boolean keep(ByteBuf content, int n) {
        if (kept == null) {
            kept = new ArrayList<>(4);
        }
        if (n >= COPIED_BELOW) {
            kept.add(content.retainedDuplicate());
            copyTail = null; // kept in order: what comes next goes after this chunk
            return true;
        }
        if (copyTail == null || copyTail.writableBytes() < n) {
            int capacity = (int) Math.min(COPY_CAPACITY, replayLimit - (received - n));
            try {
                copyTail = content.alloc().directBuffer(capacity, capacity);
            } catch (OutOfMemoryError noMemory) {
                copyRefused = noMemory;
                return false;
            }
            kept.add(copyTail);
        }
        // A replay's duplicate of this buffer ends at the writer index it had: what is added after it is
        // not part of that replay, which the attempt gets as it arrives instead.
        copyTail.writeBytes(content, content.readerIndex(), n);
        return true;
    }

    /**
     * A body declared by {@code Content-Length} to be at most this long, and short enough to be kept
     * for replay, is read in full before the first attempt starts, as nginx buffers request bodies.
     * The upstream then gets head and body in one write. Streamed instead, an upstream that answers
     * before it has read the whole body (a quick error, nginx's {@code return}) ends the exchange with
     * the request half sent: neither the client's keep-alive connection nor the upstream's can be
     * used again, so every such request cost two new connections. Larger and chunked bodies stream.
     */
    static final long READ_FIRST_UP_TO = 64 * 1024;

    /** Whether {@code request}'s body is to be read in full before the first attempt (see {@link #READ_FIRST_UP_TO}). */
    boolean readFirst(HttpRequest request) {
        if (complete) {
            return false;
        }
        long length = ClientHttpCodec.declaredLength(request, -1L);
        // Reserved up front: each chunk read is released once kept, so keeping it must not fail later.
        return length >= 0 && length <= Math.min(READ_FIRST_UP_TO, replayLimit) && reserve(length);
    }

    /**
     * Whether {@link #append} would keep a chunk of {@code bytes} for a replay. A yes reserves the memory,
     * so that the append that follows keeps it whatever other requests reserved in between.
     */
    boolean keeps(int bytes) {
        return replayable && !released && received + bytes <= replayLimit && reserve(received + bytes);
    }

    /** Makes sure {@code total} bytes are reserved for this body; false, with nothing more taken, when no room. */
    private boolean reserve(long total) {
        if (total <= reserved) {
            return true;
        }
        if (!memory.tryReserve(total - reserved, memoryLimit)) {
            return false;
        }
        reserved = total;
        return true;
    }

    /**
     * Holds a chunk that arrived while no attempt could write it (between attempts, or while one connects)
     * and that the replay buffer cannot keep: appending it would release the kept start of the body, which
     * the next attempt has still to write. It waits for that attempt ({@link #takeHeld}), and nothing more
     * is read meanwhile, so there is at most one.
     */
    void hold(HttpContent chunk) {
        if (held != null || released) {
            chunk.release();
            throw new IllegalStateException(released ? "request body already released" : "a chunk is already held");
        }
        held = chunk;
    }

    /** The held chunk, now the caller's; null when none. */
    HttpContent takeHeld() {
        HttpContent chunk = held;
        held = null;
        return chunk;
    }

    /**
     * The failure that kept the chunk last {@link #append appended} out of the replay buffer when it was no direct
     * memory for its copy, else null. An attempt writing it carries it on; a chunk that only the replay buffer was to
     * carry (the body read first, or a chunk that came while no attempt could write it) is lost with the body's start.
     */
    OutOfMemoryError copyRefused() {
        return copyRefused;
    }

    /** Whether every chunk received so far can be written again. */
    boolean replayable() {
        return replayable && !released;
    }

    boolean complete() {
        return complete;
    }

    long received() {
        return received;
    }

    /** Trailers of a chunked body, or null. */
    HttpHeaders trailers() {
        return trailers;
    }

    /** The last chunk an attempt writes after the replay: a detached copy carrying the trailers, if any. */
    LastHttpContent lastChunk() {
        if (trailers == null || trailers.isEmpty()) {
            return LastHttpContent.EMPTY_LAST_CONTENT;
        }
        DefaultLastHttpContent last = new DefaultLastHttpContent();
        last.trailingHeaders().set(trailers);
        return last;
    }

    /** The kept chunks, each as a new retained duplicate the caller must write or release. */
    List<ByteBuf> replay() {
        if (kept == null || kept.isEmpty()) {
            return List.of();
        }
        List<ByteBuf> copies = new ArrayList<>(kept.size());
        for (ByteBuf b : kept) {
            copies.add(b.retainedDuplicate());
        }
        return copies;
    }

    /** Releases the replay buffer and a held chunk; idempotent. */
    void release() {
        if (!released) {
            released = true;
            releaseKept();
            if (held != null) {
                held.release();
                held = null;
            }
        }
    }

    private void releaseKept() {
        memory.release(reserved);
        reserved = 0;
        if (kept == null) {
            return;
        }
        for (ByteBuf b : kept) {
            b.release();
        }
        kept.clear();
        copyTail = null;
    }
}
