package dev.rampart.core.proxy;

import dev.rampart.core.testing.Await;
import dev.rampart.core.testing.Closing;
import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.Transports;
import dev.rampart.core.testing.UpstreamBehavior;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PoolChunkListMetric;
import io.netty.buffer.PoolChunkMetric;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a kept-alive client connection holds while it waits for its next request, after its reads were large: no
 * receive buffer. Netty's sizing guess for such a connection grows to 64 KiB over an upload, and on io_uring a read
 * posted to the kernel holds its buffer until bytes come; were idle connections to wait that way, the default
 * {@code max-connections} of 10,000 would hold 640 MiB of direct memory doing nothing, far over the image's default
 * direct-memory limit. Both native transports instead wait for readability first (io_uring with a poll, as long as
 * no buffer ring is configured) and take a buffer only once bytes are there.
 */
class IdleConnectionReadBuffersTest {

    private static final int CONNECTIONS = 200;
    private static final int BODY_BYTES = 256 * 1024;
    /**
     * A quarter of one 64 KiB buffer per connection (12.5 MiB in all), and several times what the pool's thread caches
     * keep (under 1 MiB measured, whether 50 or 800 connections were idle).
     */
    private static final long BOUND = CONNECTIONS * 16L * 1024;

    @RegisterExtension
    final Closing closing = new Closing();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll"})
    void connectionsIdleAfterLargeUploadsHoldNoReadBuffer(String transport) {
        FakeUpstream upstream = closing.add(FakeUpstream.start(UpstreamBehavior.ok("stored")));
        ProxyHarness proxy = closing.add(ProxyHarness.start(
                ProxyHarness.simple("\"" + upstream.authority() + "\"", ""), Transports.named(transport)));
        long before = activeDirectBytes();
        byte[] upload = upload();

        List<RawHttp> clients = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            RawHttp client = closing.add(new RawHttp("127.0.0.1", proxy.port()));
            assertEquals(200, client.send(upload).read().status());
            clients.add(client);
        }

        Await.until(() -> activeDirectBytes() - before < BOUND, () -> CONNECTIONS + " idle connections hold "
                + (activeDirectBytes() - before) + " bytes of the proxy's direct memory, not under " + BOUND);
        for (RawHttp client : clients) {
            assertEquals(200, client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n").read().status(),
                    "an idle connection still serves its next request");
        }
    }

    private static byte[] upload() {
        byte[] head = ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + BODY_BYTES + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[head.length + BODY_BYTES];
        System.arraycopy(head, 0, request, 0, head.length);
        return request;
    }

    /**
     * Bytes of the proxy's buffer pool in use (its thread caches' share included):
     * {@link PoolArenaMetric#numActiveBytes} counts whole chunks, and a chunk the pool keeps for later is not memory an idle connection holds.
     */
    private static long activeDirectBytes() {
        long active = 0;
        for (PoolArenaMetric arena : PooledByteBufAllocator.DEFAULT.metric().directArenas()) {
            for (PoolChunkListMetric list : arena.chunkLists()) {
                for (PoolChunkMetric chunk : list) {
                    active += chunk.chunkSize() - chunk.freeBytes();
                }
            }
        }
        return active;
    }
}
