package dev.rampart.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A route's {@code rate-limit} block: what it binds to, its defaults, and what is refused and why. */
class RateLimitConfigTest extends RejectedConfigSupport {

    @Test
    void aRouteWithoutTheBlockIsNotLimited() {
        assertEquals(Optional.empty(), onlyRoute("{ upstream = app }").rateLimit());
    }

    @Test
    void theBlockBindsRateBurstAndWhatABucketIsFor() {
        RouteConfig route = onlyRoute("{ upstream = app, rate-limit { requests-per-second = 20, burst = 50, per = route } }");
        assertEquals(Optional.of(new RateLimitConfig(20, 50, RateLimitConfig.Per.ROUTE)), route.rateLimit());
    }

    @Test
    void burstDefaultsToOneSecondsWorthAndBucketsToTheClientAddress() {
        assertEquals(Optional.of(new RateLimitConfig(2.5, 3, RateLimitConfig.Per.CLIENT_IP)),
                onlyRoute("{ upstream = app, rate-limit { requests-per-second = 2.5 } }").rateLimit());
        assertEquals(1, onlyRoute("{ upstream = app, rate-limit { requests-per-second = 0.5 } }").rateLimit()
                .orElseThrow().burst(), "a rate below one a second still takes one request");
    }

    @Test
    void aRespondRouteMayBeLimitedToo() {
        assertTrue(onlyRoute("{ respond { status = 204 }, rate-limit { requests-per-second = 1 } }")
                .rateLimit().isPresent());
    }

    @Test
    void theRateIsRequiredAndPositive() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, rate-limit { burst = 5 } },
                    { name = b, upstream = app, rate-limit { requests-per-second = 0 } },
                    { name = c, upstream = app, rate-limit { requests-per-second = "ten" } },
                    { name = d, upstream = app, rate-limit { requests-per-second = 0.0001 } }"""));
        String expected = "expected a number of requests per second from 0.001 to 1000000"
                + " (0.5 is one every two seconds), got ";
        assertEquals(List.of(
                "rampart.routes[0].rate-limit.requests-per-second: missing (expected the sustained rate, e.g. 100)"
                        + at(4),
                "rampart.routes[1].rate-limit.requests-per-second: " + expected + "0" + at(5),
                "rampart.routes[2].rate-limit.requests-per-second: expected a number, got \"ten\"" + at(6),
                "rampart.routes[3].rate-limit.requests-per-second: " + expected + "0.0001" + at(7)), problems);
    }

    @Test
    void burstIsAWholeNumberOfAtLeastOneAndPerIsOneOfItsWords() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, rate-limit { requests-per-second = 5, burst = 0 } },
                    { name = b, upstream = app, rate-limit { requests-per-second = 5, burst = 2.5 } },
                    { name = c, upstream = app, rate-limit { requests-per-second = 5, per = client } }"""));
        assertEquals(3, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].rate-limit.burst: expected a number 1-1000000, got 0"),
                problems.get(0));
        assertTrue(problems.get(1).startsWith("rampart.routes[1].rate-limit.burst: expected a whole number, got 2.5"),
                problems.get(1));
        assertTrue(problems.get(2).startsWith("rampart.routes[2].rate-limit.per: expected one of client-ip, header, route"),
                problems.get(2));
    }

    @Test
    void perHeaderBindsTheHeaderThatKeysTheBuckets() {
        assertEquals(Optional.of(new RateLimitConfig(5, 5, RateLimitConfig.Per.HEADER, Optional.of("X-Api-Key"))),
                onlyRoute("{ upstream = app, rate-limit { requests-per-second = 5, per = header, header = X-Api-Key } }")
                        .rateLimit());
    }

    @Test
    void theHeaderIsRequiredWithPerHeaderAndRefusedWithoutIt() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, rate-limit { requests-per-second = 5, per = header } },
                    { name = b, upstream = app, rate-limit { requests-per-second = 5, header = X-Api-Key } },
                    { name = c, upstream = app, rate-limit { requests-per-second = 5, per = header, header = "X Api" } }"""));
        assertEquals(List.of(
                "rampart.routes[0].rate-limit.header: missing: per = header needs the request header whose value"
                        + " keys a bucket, e.g. header = \"X-Api-Key\"" + at(4),
                "rampart.routes[1].rate-limit.header: is read only with per = header (per is client-ip)" + at(5),
                "rampart.routes[2].rate-limit.header: expected a header name (a token such as X-Api-Key), got"
                        + " \"X Api\"" + at(6)), problems);
    }

    @Test
    void aHeaderTheProxySetsFromTheClientsClaimsKeysNoBucket() {
        List<String> problems = problemsOf(withRoutes("""
                    { name = a, upstream = app, rate-limit { requests-per-second = 5, per = header, header = X-Forwarded-For } },
                    { name = b, upstream = app, rate-limit { requests-per-second = 5, per = header, header = X_Real_IP } }"""));
        String why = " is set by the proxy on the way to the upstream, from what the client claims: every made-up"
                + " value would be a bucket of its own; for a limit per client, use per = client-ip (behind load"
                + " balancers, with server.trusted-proxies)";
        assertEquals(List.of("rampart.routes[0].rate-limit.header: X-Forwarded-For" + why + at(4),
                "rampart.routes[1].rate-limit.header: X_Real_IP" + why + at(5)), problems);
    }

    @Test
    void anUnknownKeyInTheBlockIsReported() {
        List<String> problems = problemsOf(withRoutes(
                "    { upstream = app, rate-limit { requests-per-second = 5, requests-per-minute = 300 } }"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("rampart.routes[0].rate-limit.requests-per-minute: unknown key"),
                problems.get(0));
    }

    @Test
    void theEffectiveConfigShowsTheLimit() {
        RampartConfig config = HoconFiles.load(dir, withRoutes(
                "    { upstream = app, rate-limit { requests-per-second = 0.5, per = route } }"));
        String rendered = EffectiveConfigRenderer.render(config);
        assertTrue(rendered.contains("rate-limit {\n") && rendered.contains("requests-per-second = 0.5")
                && rendered.contains("burst = 1") && rendered.contains("per = route"), rendered);
    }

    @Test
    void theEffectiveConfigShowsTheKeyHeader() {
        String rendered = EffectiveConfigRenderer.render(HoconFiles.load(dir, withRoutes(
                "    { upstream = app, rate-limit { requests-per-second = 1, per = header, header = X-Api-Key } }")));
        assertTrue(rendered.contains("per = header") && rendered.contains("header = \"X-Api-Key\""), rendered);
    }
}
