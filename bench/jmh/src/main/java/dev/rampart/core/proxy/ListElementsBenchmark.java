package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reading comma-separated header lists: a browser's {@code Accept-Encoding} and {@code Access-Control-Request-Headers}
 * (read for every compressible response and every preflight), a short {@code Connection} scanned in place, and a
 * long one read into a set; and, as the proxy meets a {@code Connection} in every request it forwards, the upstream
 * request head made from a request that says {@code Connection: close}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ListElementsBenchmark {

    private HttpHeaders request;
    private List<String> shortConnection;
    private List<String> longConnection;
    private HttpRequest closingRequest;

    @Setup
    public void setup() {
        request = new DefaultHttpHeaders();
        request.add("Accept-Encoding", "gzip, deflate, br, zstd");
        request.add("Access-Control-Request-Headers", "authorization, content-type, x-request-id");
        shortConnection = List.of("keep-alive, Upgrade, X-Trace-Hop");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            line.append(i == 0 ? "" : ", ").append("X-Hop-Field-").append(i);
        }
        longConnection = List.of(line.toString());
        closingRequest = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/orders/42");
        closingRequest.headers().add("Host", "api.example.com").add("Accept", "application/json")
                .add("Accept-Encoding", "gzip, deflate, br").add("Connection", "close")
                .add("User-Agent", "curl/8.5.0");
    }

    @Benchmark
    public boolean acceptsGzip() {
        return ResponseCompression.acceptsGzip(request);
    }

    @Benchmark
    public boolean shortConnectionScanned() {
        return ConnectionNames.of(shortConnection).lists("x-trace-hop");
    }

    @Benchmark
    public HttpRequest originRequestFromAClosingClient() {
        return ForwardedHeaders.originRequest(closingRequest, "/orders/42", "10.0.0.12:8081", "X-Request-Id",
                "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10", "198.51.100.23", "http", 0, null, null);
    }

    @Benchmark
    public boolean longConnectionIntoASet() {
        return ConnectionNames.of(longConnection).lists("x-hop-field-39");
    }
}
