package dev.rampart.core.errors;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Rendering one error response: the JSON envelope (the default) and RFC 9457 problem details, each with
 * the {@code Accept} negotiation the proxy does per request, for a circuit-open error that carries a
 * {@code Retry-After} (the error a failing upstream produces most of).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ErrorRendererBenchmark {

    private ErrorRenderer renderer;
    private ErrorContext circuitOpen;
    private ErrorContext upstreamError;

    @Setup
    public void setup() {
        renderer = new ErrorRenderer("rampart", "X-Request-Id");
        circuitOpen = new ErrorContext(Reason.CIRCUIT_OPEN, 503, "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10", "orders",
                "orders-svc", 0, OptionalLong.of(5), OptionalInt.empty(), null);
        upstreamError = new ErrorContext(Reason.UPSTREAM_ERROR, 502, "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10",
                "orders", "orders-svc", 3, OptionalLong.empty(), OptionalInt.of(502), null);
    }

    @Benchmark
    public RenderedError envelopeCircuitOpen() {
        return renderer.render(circuitOpen, "application/json, text/plain, */*");
    }

    @Benchmark
    public RenderedError envelopeUpstreamError() {
        return renderer.render(upstreamError, (String) null);
    }

    @Benchmark
    public RenderedError problemJsonCircuitOpen() {
        return renderer.render(circuitOpen, "application/problem+json, application/json;q=0.8");
    }
}
