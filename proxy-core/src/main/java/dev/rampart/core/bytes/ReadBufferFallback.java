package dev.rampart.core.bytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * A channel's receive-buffer sizing with a way out when direct memory runs short: a read whose buffer of the usual
 * size (up to 64 KiB, as the channel's own sizing guesses) cannot be had reads into a small one instead, and only
 * when not even that can be had does the read fail, with a {@link ReadBufferUnavailable}.
 *
 * <p>Why: Netty's io_uring transport takes the next read's buffer right after a read completes, inside its
 * completion handling, which lets an {@link OutOfMemoryError} through and so ends the event loop's thread: every
 * connection of that loop then hangs, and the process goes on accepting connections it never serves, until it is
 * killed (seen at the direct-memory limit with a few dozen uploads in flight; a loop's connections each hold a
 * posted read buffer on io_uring). Epoll and NIO take a read's buffer only once data is ready, and fail just that
 * channel. A small buffer keeps the connection moving at a slower pace while the memory held by others is given
 * back; an exception that is not an {@link Error} leaves the loop running on every transport (the channel's read
 * fails, or the loop logs it and goes on). Where only the loop heard of it, {@link UndeliveredReadFailures} tells the
 * channel's pipeline, which would otherwise wait for that read for ever.
 */
public final class ReadBufferFallback implements RecvByteBufAllocator {

    /** Small enough to be had at the limit, where the usual buffer of up to 64 KiB is not. */
    static final int FALLBACK_BYTES = 2048;

    private final RecvByteBufAllocator sizing;
    private final Channel channel;

    private ReadBufferFallback(RecvByteBufAllocator sizing, Channel channel) {
        this.sizing = sizing;
        this.channel = channel;
    }

    /**
     * Wraps {@code channel}'s own receive-buffer sizing, as its transport configured it, and puts the watch for
     * failed reads at the head of its pipeline; before its first read.
     */
    public static void install(Channel channel) {
        ChannelConfig config = channel.config();
        config.setRecvByteBufAllocator(new ReadBufferFallback(config.getRecvByteBufAllocator(), channel));
        channel.pipeline().addFirst(UndeliveredReadFailures.NAME, UndeliveredReadFailures.INSTANCE);
    }

    @Override
    public Handle newHandle() {
        return new FallbackHandle((ExtendedHandle) sizing.newHandle(), channel);
    }

    /**
     * Whether {@code failure} is the process out of memory: an {@link OutOfMemoryError}, or a read that could get
     * no buffer ({@link ReadBufferUnavailable}), which is one that did not get through as an {@link Error}; also as
     * the cause of another, since Netty's encoders wrap what they meet (an {@code EncoderException} around the
     * out-of-direct-memory error of a response head that found no buffer), which was logged as a bug.
     */
    public static boolean isOutOfMemory(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSES; depth++, t = t.getCause()) {
            if (t instanceof OutOfMemoryError || t instanceof ReadBufferUnavailable) {
                return true;
            }
        }
        return false;
    }

    /** How deep a cause chain is searched: wrappers are few, and a chain that loops must end. */
    private static final int MAX_CAUSES = 8;

    /**
     * A read that could get no buffer at all, not even a small one: the process is out of direct memory. Knows
     * whether its channel's pipeline was told of it (see {@link UndeliveredReadFailures}).
     */
    public static final class ReadBufferUnavailable extends RuntimeException {
        private boolean delivered;

        ReadBufferUnavailable(OutOfMemoryError cause) {
            super("no direct memory for a read buffer", cause);
        }

        void delivered() {
            delivered = true;
        }

        boolean wasDelivered() {
            return delivered;
        }
    }

    /** The channel's own handle, but for {@link #allocate}. */
    private static final class FallbackHandle implements ExtendedHandle {
        private final ExtendedHandle sizing;
        private final Channel channel;

        FallbackHandle(ExtendedHandle sizing, Channel channel) {
            this.sizing = sizing;
            this.channel = channel;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            try {
                return sizing.allocate(alloc);
            } catch (OutOfMemoryError noRoomForTheUsualSize) {
                try {
                    return alloc.ioBuffer(FALLBACK_BYTES);
                } catch (OutOfMemoryError noRoomAtAll) {
                    ReadBufferUnavailable failure = new ReadBufferUnavailable(noRoomAtAll);
                    UndeliveredReadFailures.deliverIfLost(channel, failure);
                    throw failure;
                }
            }
        }

        @Override
        public int guess() {
            return sizing.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            sizing.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            sizing.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            sizing.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return sizing.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            sizing.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return sizing.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return sizing.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return sizing.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            sizing.readComplete();
        }
    }
}
