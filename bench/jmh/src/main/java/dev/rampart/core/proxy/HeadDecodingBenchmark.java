package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.util.ReferenceCountUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Decoding a client's request head as the listener does (its codec and the heads' field lists), for the request of
 * {@code bench/wrk/bench.lua}'s {@code BENCH_HEADERS=browser}: 17 fields, about 1.5 KB. Most of what a head of many
 * fields costs the decoder is per field: its name, its value, its line in the list.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HeadDecodingBenchmark {

    private static final String BROWSER_REQUEST = "GET /heavy HTTP/1.1\r\n"
            + "Host: 127.0.0.1:8080\r\n"
            + "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
            + "Accept-Encoding: gzip, deflate, br, zstd\r\n"
            + "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7\r\n"
            + "Cache-Control: max-age=0\r\n"
            + "Cookie: _ga=GA1.1.1183920745.1701864381; _ga_7QX2ZK4N1P=GS1.1.1701864381.3.1.1701866210.0.0.0; "
            + "session=eyJ1aWQiOjQ4MjkxMCwicm9sZSI6ImN1c3RvbWVyIiwiZXhwIjoxNzAxOTUwNzgxfQ.Zm9vYmFyYmF6cXV4cXV1eHF1dXo; "
            + "csrftoken=k3J9xQm2Vb7LpN0sYt4Rw8Ez1Hc6Ua5Df; locale=en-GB; theme=dark; consent=analytics%3Dtrue%2Cads%3Dfalse; "
            + "cart=7c1e9a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b; recently_viewed=1029384%2C2938475%2C3847566%2C4756677; "
            + "ab_bucket=checkout_v3_b; _fbp=fb.1.1701864381123.1928374650\r\n"
            + "Referer: https://shop.example.com/catalogue/outdoor/tents?sort=price_asc&page=2&filter=4-person\r\n"
            + "sec-ch-ua: \"Not_A Brand\";v=\"8\", \"Chromium\";v=\"120\", \"Google Chrome\";v=\"120\"\r\n"
            + "sec-ch-ua-mobile: ?0\r\n"
            + "sec-ch-ua-platform: \"Windows\"\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Sec-Fetch-User: ?1\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Connection: keep-alive\r\n"
            + "\r\n";

    private EmbeddedChannel channel;
    private ByteBuf request;

    // A channel per iteration: the codec remembers each decoded request's method until its response, which
    // never comes here (about 16 bytes per request of the queue's growth, the same for every build).
    @Setup(Level.Iteration)
    public void setup() {
        channel = new EmbeddedChannel(new ClientHttpCodec(new HttpDecoderConfig()
                .setMaxHeaderSize(16384)
                .setHeadersFactory(FieldListFactory.heads(100))
                .setTrailersFactory(FieldListFactory.trailers(100))));
        request = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
                BROWSER_REQUEST.getBytes(StandardCharsets.US_ASCII)));
    }

    @TearDown(Level.Iteration)
    public void tearDown() {
        channel.finishAndReleaseAll();
    }

    /** One request head decoded, its parts released. */
    @Benchmark
    public Object browserRequestHead() {
        channel.writeInbound(request.duplicate());
        Object head = channel.readInbound();
        for (Object part; (part = channel.readInbound()) != null; ) {
            ReferenceCountUtil.release(part);
        }
        return head;
    }
}
