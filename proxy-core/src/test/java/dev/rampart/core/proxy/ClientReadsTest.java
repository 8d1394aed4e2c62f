package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flow.FlowControlHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When what the client's reads delivered is over, and so when the request-body writes they caused are
 * flushed: once for all the messages of one read, and, for messages the flow-control handler held while no
 * read was wanted, once a read asked for from outside has handed them over. Netty's in-memory channel, with
 * the same flow-control handler as the proxy's pipeline, delivers the messages.
 */
class ClientReadsTest {

    /** Reads one message at a time as the proxy's handler does, and logs what it sees and each delivery's end. */
    private static final class Reader extends ChannelInboundHandlerAdapter {
        final List<String> events = new ArrayList<>();
        ClientReads reads;
        boolean wantsMore = true;
        /** The call stack's depth at each delivery, when counted. */
        final List<Long> depths = new ArrayList<>();
        boolean countDepth;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            reads = new ClientReads(ctx, () -> events.add("end"));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads.delivering();
            try {
                events.add((String) msg);
                if (countDepth) {
                    depths.add(StackWalker.getInstance().walk(frames -> frames.count()));
                }
                if (wantsMore) {
                    reads.request();
                }
            } finally {
                reads.delivered();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reads.readComplete();
        }
    }

    private static EmbeddedChannel channelWith(Reader reader) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(new FlowControlHandler(), reader);
        reader.reads.request();
        reader.events.clear(); // the first request's own end, with nothing delivered
        return channel;
    }

    @Test
    void theMessagesOfOneReadEndTheirDeliveryOnce() {
        Reader reader = new Reader();
        EmbeddedChannel channel = channelWith(reader);

        channel.writeInbound("chunk 1", "chunk 2", "chunk 3"); // one read from the socket, three messages

        assertEquals(List.of("chunk 1", "chunk 2", "chunk 3", "end"), reader.events);
        channel.finishAndReleaseAll();
    }

    @Test
    void messagesHeldWhileNoReadWasWantedEndTheirDeliveryWhenAReadFromOutsideHandsThemOver() {
        Reader reader = new Reader();
        EmbeddedChannel channel = channelWith(reader);
        reader.wantsMore = false; // the upstream can take no more: the handler stops asking

        channel.writeInbound("chunk 1", "chunk 2", "chunk 3");
        assertEquals(List.of("chunk 1", "end"), reader.events, "one delivered, two held by the flow control");

        reader.wantsMore = true; // writable again: a read is asked for outside any delivery
        reader.reads.request();
        assertEquals(List.of("chunk 1", "end", "chunk 2", "chunk 3", "end"), reader.events,
                "the held two, handed over inside the request, end their delivery when it returns");
        channel.finishAndReleaseAll();
    }

    @Test
    void aReadAskedForDuringADeliveryDoesNotEndIt() {
        Reader reader = new Reader();
        EmbeddedChannel channel = channelWith(reader);

        channel.writeInbound("chunk 1");
        channel.writeInbound("chunk 2");

        // Each message asked for the next read from inside its delivery: only the read-complete ends each.
        assertEquals(List.of("chunk 1", "end", "chunk 2", "end"), reader.events);
        channel.finishAndReleaseAll();
    }

    @Test
    void manyHeldMessagesAreHandedOverOneAfterAnotherWithoutNestingACallPerMessage() {
        Reader reader = new Reader();
        EmbeddedChannel channel = channelWith(reader);
        reader.wantsMore = false;
        int held = 2_000;
        for (int i = 0; i <= held; i++) {
            channel.writeInbound("chunk " + i); // one delivered, the rest held: the upstream can take no more
        }
        reader.events.clear();

        reader.wantsMore = true;
        reader.countDepth = true;
        reader.reads.request(); // writable again: each held chunk asks for the next from inside its delivery

        assertEquals(held + 1, reader.events.size(), "every held chunk and the one end");
        assertEquals("chunk 1", reader.events.get(0));
        assertEquals("chunk " + held, reader.events.get(held - 1));
        assertEquals("end", reader.events.get(held));
        long first = reader.depths.get(0);
        long deepest = reader.depths.stream().mapToLong(Long::longValue).max().orElseThrow();
        // Nested, each delivery would sit a few frames deeper than the last: thousands of frames in all.
        assertTrue(deepest - first < 40, "the stack grew from " + first + " to " + deepest + " frames");
        channel.finishAndReleaseAll();
    }
}
