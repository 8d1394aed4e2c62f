package dev.rampart.core.bytes;

import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads at the direct-memory limit, on each transport, over a real socket: a read buffer of the usual size that
 * cannot be had is replaced by a small one, and the bytes keep coming; when none can be had, the event loop lives
 * on (Netty's io_uring transport let the allocator's OutOfMemoryError end the loop's thread).
 */
class ReadBufferFallbackTest {

    private static final int SENT = 256 * 1024;

    private EventLoopGroup group;
    private ServerSocket server;

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void readsGoOnInSmallBuffersWhenTheUsualSizeCannotBeHad(String transport) throws Exception {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        alloc.refuseAbove(ReadBufferFallback.FALLBACK_BYTES); // the sizing's guess grows past it as reads fill up
        AtomicLong received = new AtomicLong();
        CompletableFuture<Void> allRead = new CompletableFuture<>();
        Channel channel = connect(transport, alloc, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (received.addAndGet(((ByteBuf) msg).readableBytes()) == SENT) {
                    allRead.complete(null);
                }
                ((ByteBuf) msg).release();
            }
        });
        try (Socket peer = server.accept()) {
            OutputStream out = peer.getOutputStream();
            out.write(new byte[SENT]);
            out.flush();
            allRead.get(10, TimeUnit.SECONDS);
        }
        assertTrue(alloc.refusals() > 0, "the usual read buffer was refused at least once");
        assertTrue(channel.eventLoop().submit(() -> true).get(5, TimeUnit.SECONDS), "the loop runs");
        channel.close().sync();
        assertEquals(0, alloc.unreleased().size(), "every read buffer released");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void theLoopLivesOnWhenNoReadBufferAtAllCanBeHad(String transport) throws Exception {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        CompletableFuture<Void> firstRead = new CompletableFuture<>();
        Channel channel = connect(transport, alloc, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
                alloc.refuse(); // the next read's buffer, which io_uring takes right away, cannot be had
                firstRead.complete(null);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // what the proxy's handlers do with a read that failed for want of memory
            }
        });
        try (Socket peer = server.accept()) {
            OutputStream out = peer.getOutputStream();
            out.write(new byte[100]);
            out.flush();
            firstRead.get(10, TimeUnit.SECONDS);
            out.write(new byte[100]);
            out.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (alloc.refusals() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        assertTrue(alloc.refusals() > 0, "a read buffer was refused");
        assertTrue(channel.eventLoop().submit(() -> true).get(5, TimeUnit.SECONDS), "the loop runs");
        assertFalse(channel.eventLoop().isShuttingDown(), "the loop did not end");
        channel.close().sync();
    }

    /**
     * A read asked for while the last one is handled (as the proxy asks for the next part of an upload), whose
     * buffer cannot be had: io_uring takes that buffer once the handling is over, where the failure reached only the
     * event loop's log, and the channel, its read still pending, read nothing more: the upload stalled until its
     * timeout. The pipeline hears of it, once, on every transport.
     */
    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aReadWithNoBufferAskedForDuringAnotherReachesThePipelineOnce(String transport) throws Exception {
        RefusingDirectAllocator alloc = new RefusingDirectAllocator();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> firstRead = new CompletableFuture<>();
        CompletableFuture<Void> failed = new CompletableFuture<>();
        Channel channel = connect(transport, alloc, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                ctx.read();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
                alloc.refuse(); // the next read's buffer cannot be had
                firstRead.complete(null);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.read(); // the next part, asked for while the read is still being handled
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failures.add(cause);
                failed.complete(null);
                ctx.close(); // what the proxy's handlers do with a read that failed for want of memory
            }
        }, false);
        try (Socket peer = server.accept()) {
            OutputStream out = peer.getOutputStream();
            out.write(new byte[100]);
            out.flush();
            firstRead.get(10, TimeUnit.SECONDS);
            out.write(new byte[100]); // for epoll and NIO, which take a read's buffer once bytes are there
            out.flush();
            failed.get(10, TimeUnit.SECONDS);
        }
        channel.closeFuture().sync();
        channel.eventLoop().submit(() -> true).get(5, TimeUnit.SECONDS); // what the loop had queued has run
        assertTrue(failures.get(0) instanceof ReadBufferFallback.ReadBufferUnavailable, failures.toString());
        assertEquals(failures.size(), Set.copyOf(failures).size(), "each failure heard of once: " + failures);
    }

    private Channel connect(String transport, RefusingDirectAllocator alloc, ChannelInboundHandlerAdapter reader)
            throws Exception {
        return connect(transport, alloc, reader, true);
    }

    private Channel connect(String transport, RefusingDirectAllocator alloc, ChannelInboundHandlerAdapter reader,
                            boolean autoRead) throws Exception {
        Transport chosen = Transports.named(transport);
        group = chosen.newEventLoopGroup(1, "fallback-test");
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new Bootstrap().group(group).channel(chosen.socketChannelClass())
                .option(ChannelOption.ALLOCATOR, alloc)
                .option(ChannelOption.AUTO_READ, autoRead)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ReadBufferFallback.install(ch);
                        ch.pipeline().addLast(reader);
                    }
                })
                .connect(server.getLocalSocketAddress()).sync().channel();
    }
}
