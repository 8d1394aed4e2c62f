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

    /** Holds {@code part}, which this then owns (and releases when it cannot be held). */
    public void add(ByteBuf part) {
        int n = part.readableBytes();
        if (n < COPIED_BELOW && (held != null || tail != null)) {
            if (tail == null || tail.writableBytes() < n) {
                ByteBuf fresh = newTail(part);
                try {
                    moveTailToHeld();
                } catch (RuntimeException | Error e) {
                    fresh.release();
                    part.release();
                    throw e;
                }
                tail = fresh;
            }
            tail.writeBytes(part);
            part.release();
            return;
        }
        try {
            moveTailToHeld();
        } catch (RuntimeException | Error e) {
            part.release();
            throw e;
        }
        hold(part);
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
        moveTailToHeld();
        ByteBuf all = held;
        held = null;
        return all;
    }

    /** Releases whatever is held; needs no memory, so it works when none is left. */
    public void release() {
        if (tail != null) {
            tail.release();
            tail = null;
        }
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /** Moves the copy buffer behind what is held; when there is no memory for that, nothing has changed. */
    private void moveTailToHeld() {
        if (tail == null) {
            return;
        }
        if (held != null) {
            makeComposite();
        }
        ByteBuf full = tail;
        tail = null;
        hold(full);
    }

    /** Holds {@code part} behind what is held, which is a composite buffer when it is not empty. */
    private void hold(ByteBuf part) {
        if (held == null) {
            held = part;
            return;
        }
        try {
            makeComposite();
        } catch (RuntimeException | Error e) {
            part.release();
            throw e;
        }
        ((CompositeByteBuf) held).addComponent(true, part); // releases part itself if it fails
    }

    /**
     * Turns the one buffer held into a composite buffer of it. When the composite cannot be had, nothing has
     * changed; when it cannot take the buffer, Netty has released that, and nothing is held (never a field
     * pointing at a released buffer, which would be released again).
     */
    private void makeComposite() {
        if (held instanceof CompositeByteBuf) {
            return;
        }
        CompositeByteBuf parts = alloc.compositeDirectBuffer(Integer.MAX_VALUE);
        ByteBuf first = held;
        held = null;
        try {
            parts.addComponent(true, first);
        } catch (RuntimeException | Error e) {
            parts.release();
            throw e;
        }
        held = parts;
    }
}
