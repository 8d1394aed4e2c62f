package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * The body parts one read brought, held to leave as one buffer when the read is handled. The first
 * part and every large one are kept as they are, side by side in a composite buffer (no copy); a small part
 * after the first is copied onto the end of a 16 KiB buffer, so that the number of buffers held follows the
 * bytes, not the parts. Kept as references, a read of 64 KiB of one-byte chunks held some 10,000 buffers
 * (about 130 bytes of heap each), and a client slow to take them several such reads, queued.
 */
public final class HeldParts {

    /** Parts smaller than this, after the first, are copied: a buffer reference costs about 130 bytes of heap. */
    public static final int COPIED_BELOW = 4096;
    /** The size of a buffer small parts are copied into. */
    public static final int COPY_CAPACITY = 16 * 1024;

    private final ByteBufAllocator alloc;
    /** The parts held, in order, before {@link #tail}; a composite buffer once there are several. */
    private ByteBuf held;
    /** Small parts copied together, after those in {@link #held}; null when none is being filled. */
    private ByteBuf tail;

    public HeldParts(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    /** Holds {@code part}, which this then owns. */
    public void add(ByteBuf part) {
        int n = part.readableBytes();
        if (n < COPIED_BELOW && (held != null || tail != null)) {
            if (tail == null || tail.writableBytes() < n) {
                ByteBuf fresh = newTail(part);
                append(tail);
                tail = fresh;
            }
            tail.writeBytes(part);
            part.release();
            return;
        }
        append(tail);
        tail = null;
        append(part);
    }

    /**
     * A buffer for the next small parts, taken before the full one moves to {@link #held}: when no memory is
     * left for it, nothing held has changed (the full one still held once, in {@link #tail}) and {@code part},
     * handed over to be held, is released, as its owner no longer will.
     */
    private ByteBuf newTail(ByteBuf part) {
        try {
            return alloc.directBuffer(COPY_CAPACITY, COPY_CAPACITY);
        } catch (RuntimeException | Error e) {
            part.release();
            throw e;
        }
    }

    public boolean isEmpty() {
        return held == null && tail == null;
    }

    /** How many buffers hold the parts. */
    public int buffers() {
        int inHeld = held == null ? 0 : held instanceof CompositeByteBuf c ? c.numComponents() : 1;
        return inHeld + (tail == null ? 0 : 1);
    }

    /** Everything held, in order, as one buffer the caller now owns; null when nothing is held. */
    public ByteBuf take() {
        append(tail);
        tail = null;
        ByteBuf all = held;
        held = null;
        return all;
    }

    /** Releases whatever is held. */
    public void release() {
        ByteBuf all = take();
        if (all != null) {
            all.release();
        }
    }

    private void append(ByteBuf part) {
        if (part == null) {
            return;
        }
        if (held == null) {
            held = part;
            return;
        }
        if (!(held instanceof CompositeByteBuf)) {
            held = alloc.compositeDirectBuffer(Integer.MAX_VALUE).addComponent(true, held);
        }
        ((CompositeByteBuf) held).addComponent(true, part);
    }
}
