package dev.rampart.core.routing;

import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RegexBudget;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * {@link Router#match(RequestView)} for three shapes of configuration: the sidecar's single catch-all
 * route, an edge proxy's ~20 host+prefix routes, 50 regex routes where the request takes the last, and a
 * gateway's 2,000 prefix routes of one host where the request takes the last.
 * Each benchmark asserts in setup that the expected route wins, so a broken router cannot look fast.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark {

    /** A request head as plain values, as the proxy's adapter presents it, with the regex budget of its own. */
    record Request(String method, String host, String path, String headerName, String headerValue,
                   RegexBudget regexBudget) implements RequestView {

        Request(String method, String host, String path, String headerName, String headerValue) {
            this(method, host, path, headerName, headerValue, new RegexBudget());
        }

        /** The same head as another request, with a budget of its own, as the proxy makes one per request. */
        Request again() {
            return new Request(method, host, path, headerName, headerValue);
        }

        @Override
        public boolean headerHas(String lowerCaseName, String value) {
            return lowerCaseName.equals(headerName) && value.equals(headerValue);
        }
    }

    private static final String UPSTREAMS = "upstreams { app { endpoints = [\"127.0.0.1:8081\"] } }\n";

    private Router catchAll;
    private Router hostAndPrefix;
    private Router regex;
    private Router manyPrefixes;
    private RequestView catchAllRequest;
    private RequestView hostAndPrefixRequest;
    private Request regexRequest;
    private RequestView manyPrefixesRequest;

    @Setup
    public void setup() {
        catchAll = router("{ name = default, match { path-prefix = \"/\" }, upstream = app }");

        StringBuilder hosts = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            hosts.append("{ name = svc").append(i).append("-api, match { host = \"svc").append(i)
                    .append(".example.com\", path-prefix = \"/api/\" }, upstream = app }\n");
            hosts.append("{ name = svc").append(i).append("-static, match { host = \"svc").append(i)
                    .append(".example.com\", path-prefix = \"/static/\", methods = [GET, HEAD] }, upstream = app }\n");
        }
        hosts.append("{ name = fallback, match { host = \"*.example.com\", path-prefix = \"/\" }, upstream = app }");
        hostAndPrefix = router(hosts.toString());

        StringBuilder regexes = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            regexes.append("{ name = r").append(i).append(", match { path-regex = \"^/v[0-9]+/service")
                    .append(i).append("/orders/[0-9]+$\" }, upstream = app }\n");
        }
        regex = router(regexes.toString());

        StringBuilder prefixes = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            prefixes.append("{ name = p").append(i).append(", match { path-prefix = \"/service").append(i)
                    .append("/\" }, upstream = app }\n");
        }
        manyPrefixes = router(prefixes.toString());

        catchAllRequest = new Request("GET", "localhost:8080", "/orders/42", "accept", "*/*");
        hostAndPrefixRequest = new Request("GET", "SVC7.example.com:443", "/static/app.js", "accept", "*/*");
        regexRequest = new Request("GET", "localhost", "/v2/service49/orders/12345", "accept", "*/*");
        manyPrefixesRequest = new Request("GET", "api.example.com", "/service1999/orders/42", "accept", "*/*");

        expect(catchAll, catchAllRequest, "default");
        expect(hostAndPrefix, hostAndPrefixRequest, "svc7-static");
        expect(regex, regexRequest, "r49");
        expect(manyPrefixes, manyPrefixesRequest, "p1999");
    }

    @Benchmark
    public Route catchAll() {
        return catchAll.match(catchAllRequest);
    }

    @Benchmark
    public Route hostAndPrefixAmong21() {
        return hostAndPrefix.match(hostAndPrefixRequest);
    }

    @Benchmark
    public Route regexLastOf50() {
        // A request's regexes share one budget: each operation is a new request (and allocates its budget).
        return regex.match(regexRequest.again());
    }

    @Benchmark
    public Route prefixLastOf2000() {
        return manyPrefixes.match(manyPrefixesRequest);
    }

    private static Router router(String routes) {
        String hocon = "rampart {\n" + UPSTREAMS + "routes = [\n" + routes + "\n] }";
        return Router.compile(ConfigLoader.parse(hocon, "bench.conf").routes());
    }

    private static void expect(Router router, RequestView request, String name) {
        Route route = router.match(request);
        if (route == null || !route.name().equals(name)) {
            throw new IllegalStateException("expected route " + name + ", got " + route);
        }
    }
}
