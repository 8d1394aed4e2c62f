package dev.rampart.core.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A decoded name spelled as a common one is that one, byte for byte, and no other; a head's list checks every
 * other name as before, and trailers every name.
 */
class CommonFieldNamesTest {

    private static AsciiString of(String line, int start, int length) {
        return CommonFieldNames.of(line.getBytes(StandardCharsets.US_ASCII), start, length);
    }

    @Test
    void everySharedNameIsATokenSoTheHeadsCheckWouldPassIt() {
        var token = DefaultHttpHeadersFactory.headersFactory().getNameValidator();
        assertTrue(CommonFieldNames.spellings().size() > 100);
        for (String spelling : CommonFieldNames.spellings()) {
            token.validateName(new AsciiString(spelling)); // throws for a name that is no token
            AsciiString shared = of(spelling, 0, spelling.length());
            assertEquals(spelling, shared.toString());
            assertTrue(CommonFieldNames.isShared(shared));
        }
    }

    @Test
    void onlyTheExactBytesGiveASharedName() {
        assertEquals("Content-Type", of("xxContent-Type: a", 2, 12).toString());
        assertEquals("content-type", of("content-type: a", 0, 12).toString());
        assertEquals("sec-ch-ua", of("sec-ch-ua: x", 0, 9).toString());
        assertNull(of("CONTENT-TYPE: a", 0, 12));
        assertNull(of("Content-type: a", 0, 12));
        assertNull(of("Content-Typ: a", 0, 11));
        assertNull(of("Content-Type : a", 0, 13));
        assertNull(of("X-Custom: a", 0, 8));
        assertNull(of(": a", 0, 0));
        assertNull(of("x".repeat(40), 0, 40));
        assertFalse(CommonFieldNames.isShared(new AsciiString("Host")));
        assertFalse(CommonFieldNames.isShared("Host"));
    }

    @Test
    void theClientDecoderSharesCommonNamesAndKeepsEverySpelling() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientHttpCodec(new HttpDecoderConfig()
                .setHeadersFactory(FieldListFactory.heads(100)).setTrailersFactory(FieldListFactory.trailers(100))));
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: a\r\nuser-agent: curl\r\n"
                + "Accept-encoding: gzip\r\nX-Custom: 1\r\nsec-ch-ua: \"x\"\r\n\r\n", StandardCharsets.US_ASCII));
        HttpRequest request = channel.readInbound();
        List<String> names = new ArrayList<>();
        List<Boolean> shared = new ArrayList<>();
        Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence();
        while (it.hasNext()) {
            CharSequence name = it.next().getKey();
            names.add(name.toString());
            shared.add(CommonFieldNames.isShared(name));
        }
        assertEquals(List.of("Host", "user-agent", "Accept-encoding", "X-Custom", "sec-ch-ua"), names);
        assertEquals(List.of(true, true, false, false, true), shared);
        LastHttpContent end = channel.readInbound();
        end.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aHeadStillRefusesANameThatIsNoTokenAndTrailersStillRefuseFraming() {
        HttpHeaders head = FieldListFactory.heads(100).newHeaders();
        head.add(of("Host: a", 0, 4), "a");
        assertThrows(IllegalArgumentException.class, () -> head.add("Bad Name", "a"));
        assertThrows(IllegalArgumentException.class, () -> head.add(new AsciiString("Host\u0001"), "a"));
        HttpHeaders trailers = FieldListFactory.trailers(100).newHeaders();
        assertThrows(IllegalArgumentException.class, () -> trailers.add(of("Content-Length: 1", 0, 14), "1"));
        trailers.add(of("Host: a", 0, 4), "a"); // as Netty's trailers take it
        assertThrows(IllegalArgumentException.class, () -> trailers.add(of("Transfer-Encoding: a", 0, 17), "a"));
    }
}
