package dev.rampart.core.upstream.pool;

import dev.rampart.core.proxy.FieldListFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The upstream's decoder takes the names most responses carry from the shared table (one object for every
 * response, where each was a copy), in the upstream's own spelling; the rest, and whitespace before a colon, as
 * before.
 */
class OriginSharedFieldNamesTest {

    private static EmbeddedChannel codecAfterAGet() {
        EmbeddedChannel channel = new EmbeddedChannel(new OriginHttpCodec(new HttpDecoderConfig()
                .setHeadersFactory(FieldListFactory.heads(100)).setTrailersFactory(FieldListFactory.trailers(100))));
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(written);
        }
        return channel;
    }

    private static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
    }

    @Test
    void commonNamesOfTwoResponsesAreOneObjectEachInTheirOwnSpelling() {
        EmbeddedChannel channel = codecAfterAGet();
        String head = "HTTP/1.1 200 OK\r\nServer: x\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nX-Custom: 1\r\n"
                + "Content-Length: 0\r\n\r\n";
        channel.writeInbound(ascii(head));
        List<CharSequence> first = names(channel.readInbound());
        channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
        for (Object written; (written = channel.readOutbound()) != null; ) {
            ReferenceCountUtil.release(written);
        }
        drain(channel);
        channel.writeInbound(ascii(head));
        List<CharSequence> second = names(channel.readInbound());
        assertEquals(List.of("Server", "set-cookie", "Set-Cookie", "X-Custom", "Content-Length"),
                first.stream().map(CharSequence::toString).toList());
        for (int i = 0; i < first.size(); i++) {
            boolean common = !"X-Custom".contentEquals(first.get(i));
            assertEquals(common, first.get(i) == second.get(i), first.get(i) + " shared");
        }
        drain(channel);
        channel.finishAndReleaseAll();
    }

    @Test
    void whitespaceBeforeTheColonIsStillRefused() {
        EmbeddedChannel channel = codecAfterAGet();
        channel.writeInbound(ascii("HTTP/1.1 200 OK\r\nSet-Cookie Evil: x\r\nContent-Length: 0\r\n\r\n"));
        HttpResponse response = channel.readInbound();
        assertTrue(response.decoderResult().isFailure());
        assertInstanceOf(IllegalArgumentException.class, response.decoderResult().cause());
        ReferenceCountUtil.release(response);
        drain(channel);
        channel.finishAndReleaseAll();
    }

    private static List<CharSequence> names(HttpResponse response) {
        List<CharSequence> names = new ArrayList<>();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = response.headers().iteratorCharSequence();
        while (it.hasNext()) {
            names.add(it.next().getKey());
        }
        return names;
    }

    private static void drain(EmbeddedChannel channel) {
        for (Object read; (read = channel.readInbound()) != null; ) {
            ReferenceCountUtil.release(read);
        }
    }
}
