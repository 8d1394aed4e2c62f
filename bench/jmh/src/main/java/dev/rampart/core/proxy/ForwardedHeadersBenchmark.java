package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Header rewriting for one exchange, from heads shaped like a browser's request (13 fields, a valid
 * {@code traceparent}, an earlier proxy's {@code X-Forwarded-For}) and a typical JSON API response
 * (10 fields). {@link #originRequestFirstAttempt()} is what the proxy does for every request that
 * reaches an upstream; {@link #originRequestTemplate()} is its first half alone.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ForwardedHeadersBenchmark {

    private HttpRequest clientRequest;
    private HttpResponse originResponse;

    @Setup
    public void setup() {
        clientRequest = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/orders/42?expand=items");
        HttpHeaders h = clientRequest.headers();
        h.add("Host", "api.example.com");
        h.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36");
        h.add("Accept", "application/json, text/plain, */*");
        h.add("Accept-Encoding", "gzip, deflate, br");
        h.add("Accept-Language", "en-GB,en;q=0.9");
        h.add("Connection", "keep-alive");
        h.add("Cookie", "session=3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d; theme=dark");
        h.add("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U");
        h.add("X-Request-Id", "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10");
        h.add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        h.add("X-Forwarded-For", "203.0.113.7");
        h.add("Referer", "https://app.example.com/orders");
        h.add("Cache-Control", "no-cache");

        originResponse = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpHeaders r = originResponse.headers();
        r.add("Content-Type", "application/json; charset=utf-8");
        r.add("Content-Length", "1532");
        r.add("Date", "Tue, 15 Oct 2024 08:12:31 GMT");
        r.add("Server", "orders/2.4.1");
        r.add("Cache-Control", "private, max-age=0");
        r.add("ETag", "\"5d8c72a5edda8d6a\"");
        r.add("Vary", "Accept-Encoding");
        r.add("Set-Cookie", "session=3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d; Path=/; HttpOnly; Secure");
        r.add("Connection", "keep-alive");
        r.add("Keep-Alive", "timeout=60");
    }

    @Benchmark
    public HttpRequest originRequestTemplate() {
        return template();
    }

    @Benchmark
    public HttpRequest originRequestFirstAttempt() {
        return ForwardedHeaders.forAttempt(template(), 1, "10.0.0.12:8081");
    }

    @Benchmark
    public HttpResponse clientResponse() {
        return ForwardedHeaders.clientResponse(originResponse, "X-Request-Id", "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10",
                false, ClientResponder.Keep.OPEN, ClientResponder.Keep.hintFor(java.time.Duration.ofSeconds(60)));
    }

    private HttpRequest template() {
        return ForwardedHeaders.originRequest(clientRequest, "/orders/42?expand=items", "10.0.0.12:8081",
                "X-Request-Id", "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10", "198.51.100.23", "http", 0, null, null);
    }
}
