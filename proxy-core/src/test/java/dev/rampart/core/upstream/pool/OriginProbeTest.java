package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.EndpointAddress;
import dev.rampart.core.config.UpstreamTlsConfig;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.testing.FakeUpstream;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a health probe makes of the answer: the final response head, judged as traffic would judge it. */
class OriginProbeTest {

    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "probe-test");
    private final EventLoop loop = group.next();
    private final OriginPools pools = new OriginPools(transport, group, 1, DefaultAddressResolverGroup.INSTANCE, 8192,
            Ticker.systemTicker());
    private FakeUpstream upstream;

    @AfterEach
    void stop() {
        pools.closeAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        upstream.close();
    }

    private Future<Integer> probeAnswering(String raw, boolean closeAfter) throws Exception {
        upstream = FakeUpstream.start((req, reply) -> {
            reply.raw(raw);
            if (closeAfter) {
                reply.after(50, reply::close);
            }
        });
        PoolSettings settings = new PoolSettings(EndpointAddress.parse(upstream.authority()), Duration.ofSeconds(1), 1,
                Duration.ofSeconds(30), Duration.ZERO, 1, UpstreamTlsConfig.DEFAULT);
        Future<Integer> status = loop.submit(() -> pools.probe(loop, settings, "/healthz", Duration.ofSeconds(2)))
                .get(5, TimeUnit.SECONDS);
        assertTrue(status.await(5, TimeUnit.SECONDS), "the probe ended");
        return status;
    }

    @Test
    void anInterimResponseIsPassedOverForTheFinalOne() throws Exception {
        Future<Integer> status = probeAnswering(
                "HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", false);
        assertTrue(status.isSuccess(), String.valueOf(status.cause()));
        assertEquals(204, status.getNow());
    }

    @Test
    void aMalformedHeadFailsTheCheck() throws Exception {
        Future<Integer> status = probeAnswering("HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", false);
        assertFalse(status.isSuccess(), "a 200 traffic could not use is no pass: " + status.getNow());
    }

    @Test
    void aHeadCutOffByACloseFailsTheCheck() throws Exception {
        Future<Integer> status = probeAnswering("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", true);
        assertFalse(status.isSuccess(), "an unfinished head is no pass: " + status.getNow());
    }
}
