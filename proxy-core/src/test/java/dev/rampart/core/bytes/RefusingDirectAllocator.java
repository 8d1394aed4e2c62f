package dev.rampart.core.bytes;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.util.internal.CleanableDirectBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that runs out of direct memory when told to, as Netty's does at the direct-memory limit: a new
 * direct buffer, a direct buffer growing (a reallocation, which Netty's unpooled buffers do without asking their
 * allocator) and a new composite buffer all fail with {@link OutOfMemoryError}. It remembers every direct buffer
 * it made, so that a test can tell that none was left unreleased.
 */
public final class RefusingDirectAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> made = new ArrayList<>();
    private volatile boolean refusing;
    private volatile boolean refusingOnce;
    private boolean refusingGrowth;
    private volatile int refusedAbove = Integer.MAX_VALUE;
    private volatile int refusals;

    public RefusingDirectAllocator() {
        super(true);
    }

    /** From now on every direct allocation fails. */
    public void refuse() {
        refusing = true;
    }

    /**
     * The next direct allocation fails, and those after it are made again: at the limit, one buffer found no room
     * and the next found some, given back by another request meanwhile.
     */
    public void refuseNext() {
        refusingOnce = true;
    }

    /** From now on every new direct buffer of more than {@code bytes} fails, as at a limit with little room left. */
    public void refuseAbove(int bytes) {
        refusedAbove = bytes;
    }

    /** How many direct allocations failed. */
    public int refusals() {
        return refusals;
    }

    /** From now on a direct buffer made earlier cannot grow; new ones are still made. */
    public void refuseGrowth() {
        refusingGrowth = true;
    }

    /** The direct buffers made that are still referenced. */
    public List<ByteBuf> unreleased() {
        return made.stream().filter(b -> b.refCnt() > 0).toList();
    }

    private void failIfRefusing(int bytes) {
        boolean once = refusingOnce;
        refusingOnce = false;
        if (once || refusing || bytes > refusedAbove) {
            refusals++;
            throw new OutOfMemoryError("Cannot reserve " + bytes + " bytes of direct buffer memory");
        }
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        failIfRefusing(initialCapacity);
        ByteBuf buf = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity) {
            /** False while the superclass's constructor allocates the first memory: that is no growth. */
            private boolean made;

            {
                made = true; // runs after the superclass's constructor
            }

            @Override
            protected CleanableDirectBuffer allocateDirectBuffer(int capacity) {
                failIfRefusing(capacity);
                if (made && refusingGrowth) {
                    throw new OutOfMemoryError("Cannot reserve " + capacity + " bytes of direct buffer memory");
                }
                return super.allocateDirectBuffer(capacity);
            }
        };
        made.add(buf);
        return buf;
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        failIfRefusing(0);
        return super.compositeDirectBuffer(maxNumComponents);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }
}
