package dev.rampart.core.testing;

import dev.rampart.core.proxy.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Holds every event loop of a proxy inside its I/O phase, the way a stop of the whole process (SIGSTOP, a cgroup
 * freezer, a VM paused) leaves it: when the loops run again, the I/O that became ready meanwhile is not in the
 * batch the loop is handling, and the timers that fell due are. A stall from a task would not show this: a loop
 * polls for I/O between its tasks and the scheduled tasks that fell due during them. One socket per loop, whose
 * read handler sleeps when the test writes a byte to it.
 */
public final class LoopStall implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> writers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private volatile long stallMillis;
    private volatile CountDownLatch stalled = new CountDownLatch(0);
    private volatile CountDownLatch resumed = new CountDownLatch(0);

    public LoopStall(Transport transport, Iterable<EventExecutor> loops) throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        for (EventExecutor loop : loops) {
            Channel channel = new Bootstrap().group((EventLoop) loop).channel(transport.socketChannelClass())
                    .handler(new Sleeper()).connect(server.getLocalSocketAddress()).sync().channel();
            channels.add(channel);
            writers.add(server.accept());
        }
    }

    /** Stalls every loop for {@code millis} and returns once all of them are stalled; the latch opens when they run again. */
    public CountDownLatch stall(long millis) throws IOException, InterruptedException {
        stallMillis = millis;
        stalled = new CountDownLatch(writers.size());
        resumed = new CountDownLatch(writers.size());
        for (Socket writer : writers) {
            OutputStream out = writer.getOutputStream();
            out.write('s');
            out.flush();
        }
        if (!stalled.await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the loops did not stall");
        }
        return resumed;
    }

    @Override
    public void close() throws IOException {
        for (Channel channel : channels) {
            channel.close();
        }
        for (Socket writer : writers) {
            writer.close();
        }
        server.close();
    }

    private final class Sleeper extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            int bytes = ((ByteBuf) msg).readableBytes();
            ReferenceCountUtil.release(msg);
            for (int i = 0; i < bytes; i++) {
                stalled.countDown();
                try {
                    Thread.sleep(stallMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resumed.countDown();
            }
        }
    }
}
