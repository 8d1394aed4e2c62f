package dev.rampart.core.proxy;

import dev.rampart.core.bytes.RefusingDirectAllocator;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.LogCapture;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.WebSocketEchoUpstream;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.Channel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure inside the proxy on the client side of an open WebSocket tunnel (a read that can get no buffer memory,
 * a bug while relaying) ends the tunnel on both sides: the upstream connection closes with the client's, instead of
 * staying open, tied to a tunnel nobody serves any more, until {@code idle-timeout} or its next byte. The exchange is
 * logged once, with its 101 and what ended it. On the upstream side, a read with no buffer memory already ended the
 * tunnel, but as if the upstream had closed: it is the proxy's shortage, logged as such. The failure is planted in a
 * connection's allocator, which epoll and NIO ask for a read's buffer when the read happens, and whose failure they
 * hand to the pipeline. io_uring asks for the next read's buffer once the read before it has been handled, where
 * the failure reached only the event loop's log: the tunnel, its read still pending, then closed on both sides only
 * at {@code idle-timeout}; it must close within seconds on every transport.
 */
class WebSocketTunnelInternalErrorTest {

    /** Well under the tunnel's idle timeout of 60 s, and generous for a loaded machine. */
    private static final int PROMPT_CLOSE_MILLIS = 10_000;

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aClientReadWithNoBufferMemoryClosesTheUpstreamSideToo(String transport) throws Exception {
        RefusingDirectAllocator refusing = new RefusingDirectAllocator();
        try (LogCapture logs = LogCapture.start()) {
            ExchangeRecord record = failTheSide(transport, true, refusing, refusing::refuse);

            assertEquals(101, record.status());
            assertEquals("UPSTREAM_OVERLOADED", record.reason(), "a memory shortage is overload, not a bug");
            assertEquals(1, logs.warnings().stream().filter(e -> e.getFormattedMessage()
                    .startsWith("out of memory for request and response buffers")).count(), logs.dump());
        }
        Await.until(() -> refusing.unreleased().isEmpty(), "every read buffer released");
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void anUpstreamReadWithNoBufferMemoryIsLoggedAsOverload(String transport) throws Exception {
        RefusingDirectAllocator refusing = new RefusingDirectAllocator();
        try (LogCapture logs = LogCapture.start()) {
            ExchangeRecord record = failTheSide(transport, false, refusing, refusing::refuse);

            assertEquals(101, record.status());
            assertEquals("UPSTREAM_OVERLOADED", record.reason(), "the proxy's shortage, not the upstream's end");
            assertTrue(logs.warnings().stream().anyMatch(e -> e.getFormattedMessage()
                    .startsWith("out of memory for request and response buffers")), logs.dump());
        }
        Await.until(() -> refusing.unreleased().isEmpty(), "every read buffer released");
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void aBugOnTheClientSideClosesTheUpstreamSideToo(String transport) throws Exception {
        ThrowingAllocator throwing = new ThrowingAllocator();
        try (LogCapture logs = LogCapture.start()) {
            ExchangeRecord record = failTheSide(transport, true, throwing, () -> throwing.failing = true);

            assertEquals(101, record.status());
            assertEquals("INTERNAL_ERROR", record.reason());
            assertEquals(1, logs.errors().size(), logs.dump());
        }
    }

    /**
     * Opens a tunnel through the proxy, gives its client connection ({@code clientSide}) or its upstream connection
     * {@code allocator}, runs {@code fail} and has the client send a frame, whose read (or that of its echo, or the
     * next) fails; then checks both sides closed, within {@link #PROMPT_CLOSE_MILLIS}. The exchange's record.
     */
    private ExchangeRecord failTheSide(String transport, boolean clientSide, ByteBufAllocator allocator, Runnable fail)
            throws Exception {
        WebSocketEchoUpstream echo = closing.add(WebSocketEchoUpstream.start());
        // An idle timeout far beyond the bound below: both sides must close because of the failure, not for quiet.
        ProxyHarness proxy = closing.add(ProxyHarness.start(ProxyHarness.simple("\"" + echo.authority() + "\"", "")
                .replace("server { host = \"127.0.0.1\", port = 0 }",
                        "server { host = \"127.0.0.1\", port = 0, idle-timeout = 60s }"),
                Transports.named(transport)));
        try (RawHttp raw = proxy.raw()) {
            raw.socket().setSoTimeout(20_000);
            OutputStream out = raw.socket().getOutputStream();
            InputStream in = raw.socket().getInputStream();
            out.write(WebSocketEchoUpstream.upgradeRequest().getBytes(StandardCharsets.US_ASCII));
            String head = RawHttp.readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            Await.until(() -> echo.connectionsAccepted() == 1, "the tunnel's upstream connection open");

            Channel client = proxy.listener().connections().iterator().next();
            Channel failing = clientSide ? client : client.eventLoop()
                    .submit(() -> client.pipeline().get(ClientRequestHandler.class).tunnel().upstreamChannel())
                    .get(10, TimeUnit.SECONDS);
            failing.eventLoop().submit(() -> failing.config().setAllocator(allocator)).get(10, TimeUnit.SECONDS);
            fail.run();
            long failedAt = System.nanoTime();
            out.write(WebSocketEchoUpstream.maskedTextFrame("hello"));
            out.flush();

            raw.socket().setSoTimeout(PROMPT_CLOSE_MILLIS);
            drainUntilClosed(in);
            Await.until(() -> echo.connectionsClosed() == 1, "the upstream side of the tunnel closed");
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failedAt);
            assertTrue(tookMillis < PROMPT_CLOSE_MILLIS, "both sides closed after " + tookMillis + " ms");
        }
        ExchangeRecord record = proxy.observer.awaitExchange(1);
        Await.until(() -> proxy.runtime().inFlight() == 0, "the tunnel no longer in flight");
        List<ExchangeRecord> all = List.copyOf(proxy.observer.exchanges);
        assertEquals(1, all.size(), "the exchange is logged once: " + all);
        return record;
    }

    /** Reads (an echo that got through, say) until the proxy closes the connection: EOF or reset. */
    private static void drainUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[1024];
        try {
            while (in.read(buffer) >= 0) {
                // what the tunnel relayed before the failure does not matter here
            }
        } catch (SocketException reset) {
            // a reset ends the stream as well as a FIN does
        }
    }

    /** Once {@link #failing}, every buffer asked for throws: a bug in the proxy's read path, not a shortage. */
    private static final class ThrowingAllocator extends AbstractByteBufAllocator {
        volatile boolean failing;

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            failIfFailing();
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            failIfFailing();
            return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        }

        private void failIfFailing() {
            if (failing) {
                throw new IllegalStateException("a bug on the client side of the tunnel");
            }
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }
    }
}
