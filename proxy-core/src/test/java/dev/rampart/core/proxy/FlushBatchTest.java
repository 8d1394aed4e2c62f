package dev.rampart.core.proxy;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batched flush: a write made in one event-loop task leaves once that task is over, together with
 * the others of the same round. Netty's in-memory channel runs the loop's queued tasks only when told,
 * which makes "once the task is over" observable.
 */
class FlushBatchTest {

    @Test
    void aWriteLeavesOnlyOnceTheTaskThatMadeItIsOver() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.write("response");
        FlushBatch.flushSoon(channel);
        assertNull(channel.readOutbound(), "not flushed while the task that wrote it still runs");

        channel.runPendingTasks();
        assertEquals("response", channel.readOutbound());
        channel.finishAndReleaseAll();
    }

    @Test
    void aChannelWrittenTwiceInARowIsFlushedOnce() {
        java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
        EmbeddedChannel channel = new EmbeddedChannel(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(io.netty.channel.ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
        flushes.set(0); // what the channel's own setup flushed
        // Both written first: Netty's in-memory channel runs queued tasks on every write, a real loop does not.
        channel.write("head");
        channel.write("end");
        FlushBatch.flushSoon(channel);
        FlushBatch.flushSoon(channel);

        channel.runPendingTasks();
        assertEquals(1, flushes.get(), "a response's head and end written in one read leave in one flush");
        assertEquals("head", channel.readOutbound());
        assertEquals("end", channel.readOutbound());
        channel.finishAndReleaseAll();
    }

    @Test
    void writesToSeveralChannelsLeaveInTheSameRound() {
        EmbeddedChannel client = new EmbeddedChannel();
        EmbeddedChannel upstream = new EmbeddedChannel();
        client.write("to the client");
        FlushBatch.flushSoon(client);
        upstream.write("to the upstream");
        FlushBatch.flushSoon(upstream);

        client.runPendingTasks(); // the round was scheduled on the loop of the first channel written
        assertEquals("to the client", client.readOutbound());
        assertEquals("to the upstream", upstream.readOutbound());
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aChannelAddedByAFlushOfTheRoundIsFlushedInThatRound() {
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        first.write("first").addListener((ChannelFutureListener) f -> {
            second.write("second");
            FlushBatch.flushSoon(second);
        });
        FlushBatch.flushSoon(first);

        first.runPendingTasks();
        assertEquals("first", first.readOutbound());
        assertEquals("second", second.readOutbound(), "written by a listener of the round, flushed with it");
        assertTrue(second.outboundMessages().isEmpty());
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
    }

    @Test
    void aChannelWrittenAgainByItsOwnFlushIsFlushedAgain() {
        // A pipelined request answered by the proxy itself: the flush of the previous response completes its
        // write, whose listener starts the next request, whose answer goes to the same channel at once.
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.write("first response").addListener((ChannelFutureListener) f -> {
            channel.write("second response");
            FlushBatch.flushSoon(channel);
        });
        FlushBatch.flushSoon(channel);

        channel.runPendingTasks();
        assertEquals("first response", channel.readOutbound());
        assertEquals("second response", channel.readOutbound(), "written after the channel's flush: flushed again");
        channel.finishAndReleaseAll();
    }
}
