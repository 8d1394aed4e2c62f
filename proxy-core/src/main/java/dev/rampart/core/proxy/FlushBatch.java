package dev.rampart.core.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.FastThreadLocal;

import java.util.ArrayList;
import java.util.concurrent.RejectedExecutionException;

/**
 * Flushes written channels once the event loop has handled every event of its current batch, instead of
 * one at a time as each write is made. Each flush on loopback wakes the peer that reads it (the client,
 * the upstream); waking them after the batch rather than in the middle of it lets the loop finish its
 * batch before it has to share the CPU with them.
 */
final class FlushBatch implements Runnable {

    private static final FastThreadLocal<FlushBatch> PER_LOOP = new FastThreadLocal<>() {
        @Override
        protected FlushBatch initialValue() {
            return new FlushBatch();
        }
    };

    private final ArrayList<Channel> pending = new ArrayList<>();
    private boolean scheduled;
    /** The index {@link #run} is flushing; the entries up to it are flushed already. -1 outside a run. */
    private int flushing = -1;

    private FlushBatch() {
    }

    /** Writes {@code msg} and flushes it with the current batch; the future completes once it is written. */
    static ChannelFuture writeAndFlushSoon(ChannelHandlerContext ctx, Object msg) {
        ChannelFuture written = ctx.write(msg);
        flushSoon(ctx.channel());
        return written;
    }

    /** Flushes {@code channel} after the current batch of events; call on the channel's event loop. */
    static void flushSoon(Channel channel) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.flush(); // not a batch this thread runs: nothing to wait for
            return;
        }
        PER_LOOP.get().add(channel);
    }

    private void add(Channel channel) {
        int size = pending.size();
        if (size - 1 > flushing && pending.get(size - 1) == channel) {
            return; // a response's head and its end, written in one read: one flush
        }
        // Otherwise listed (again): a channel whose own flush completed a write and whose listener wrote
        // once more (a pipelined request the proxy answers itself) needs another flush.
        pending.add(channel);
        if (!scheduled) {
            scheduled = true;
            try {
                channel.eventLoop().execute(this);
            } catch (RejectedExecutionException shuttingDown) {
                run(); // the loop takes no more tasks: flush now rather than never
            }
        }
    }

    @Override
    public void run() {
        try {
            // Indexed: a flush that completes a write runs its listeners, which may add channels to this round.
            for (int i = 0; i < pending.size(); i++) {
                flushing = i;
                pending.get(i).flush();
            }
        } finally {
            pending.clear();
            flushing = -1;
            scheduled = false;
        }
    }
}
