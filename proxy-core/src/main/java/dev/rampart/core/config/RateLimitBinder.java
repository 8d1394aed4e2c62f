package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Binds {@code rampart.rate-limits}, the limits several routes may share, and a route's optional
 * {@code rate-limit}: a block of its own, or the name of one of those; absent, the route is not limited.
 */
final class RateLimitBinder {

    /** One request in about 17 minutes: slower rates are a config mistake (requests per minute written as per second). */
    static final double MIN_RATE = 0.001;
    /** A token every microsecond: above that the interval, kept in whole nanoseconds, would round the rate. */
    static final double MAX_RATE = 1_000_000;
    static final int MAX_BURST = 1_000_000;
    private RateLimitBinder() {
    }

    /**
     * The limits of {@code rampart.rate-limits}.
     *
     * @param bound    by name, in file order
     * @param declared every name given a value, in file order: those of {@code bound}, and those whose entry is not
     *                 a block (reported there, and so not reported again as unknown to the routes naming them)
     */
    record Named(Map<String, RateLimitConfig> bound, Set<String> declared) {
    }

    static Named bindNamed(ConfigSection limits) {
        Map<String, RateLimitConfig> bound = new LinkedHashMap<>();
        Set<String> declared = new LinkedHashSet<>();
        for (String name : limits.keys()) {
            ConfigValue value = limits.value(name);
            if (value == null) {
                continue; // "api = null" unsets a limit, as null unsets any HOCON key
            }
            declared.add(name);
            String nameProblem = name.isEmpty() ? "a non-empty name" : NameText.problem(name);
            if (nameProblem != null) {
                limits.problem(name, "expected " + nameProblem);
            }
            ConfigSection.asSection(value, limits.path(name), limits.problems())
                    .ifPresent(s -> bound.put(name, limit(s).named(name)));
        }
        limits.finish();
        return new Named(bound, declared);
    }

    /**
     * A route's {@code rate-limit}: its own block, or the one of {@code named} its name picks, resolved here once so
     * that a request never looks a limit up by name.
     */
    static Optional<RateLimitConfig> bind(ConfigSection route, Named named) {
        Set<String> declared = named.declared();
        ConfigValue value = route.value("rate-limit");
        if (value == null) {
            return Optional.empty();
        }
        if (value.valueType() == ConfigValueType.STRING) {
            String name = (String) value.unwrapped();
            if (!declared.contains(name)) {
                String known = declared.isEmpty() ? "none are declared" : String.join(", ", declared);
                route.problem("rate-limit", "expected a rate-limit { ... } block or the name of one of"
                        + " rampart.rate-limits (" + known + "), got " + ValueReader.describe(value)
                        + DidYouMean.hint(name, declared));
            }
            return Optional.ofNullable(named.bound().get(name)); // absent when reported, here or at its declaration
        }
        if (value.valueType() != ConfigValueType.OBJECT) {
            ValueReader.mismatch(route.path("rate-limit"), "a rate-limit { ... } block or the name of one of"
                    + " rampart.rate-limits", value, route.problems());
            return Optional.empty();
        }
        return route.optionalSection("rate-limit").map(RateLimitBinder::limit);
    }

    /** The header that keys the buckets: required with {@code per = header}, refused with any other. */
    private static Optional<String> header(ConfigSection s, RateLimitConfig.Per per) {
        Optional<String> header = s.optionalString("header");
        if (per != RateLimitConfig.Per.HEADER) {
            if (header.isPresent()) {
                s.problem("header", "is read only with per = header (per is " + per.configName() + ")");
            }
            return Optional.empty();
        }
        if (header.isEmpty()) {
            if (!s.has("header")) {
                s.problem("header", "missing: per = header needs the request header whose value keys a bucket,"
                        + " e.g. header = \"X-Api-Key\"");
            }
            return Optional.empty();
        }
        if (!RampartBinder.TOKEN.matcher(header.get()).matches()) {
            s.problem("header", "expected a header name (a token such as X-Api-Key), got \"" + header.get() + "\"");
            return Optional.empty();
        }
        if (ProxySetHeaders.isOne(header.get())) {
            s.problem("header", ProxySetHeaders.asKey(header.get(), "a bucket", "for a limit per client, use"
                    + " per = client-ip (behind load balancers, with server.trusted-proxies)"));
            return Optional.empty();
        }
        return header;
    }

    private static RateLimitConfig limit(ConfigSection s) {
        double rate = s.decimal("requests-per-second", 1, MIN_RATE, MAX_RATE,
                "a number of requests per second from 0.001 to 1000000 (0.5 is one every two seconds)");
        if (!s.has("requests-per-second")) {
            s.problem("requests-per-second", "missing (expected the sustained rate, e.g. 100)");
        }
        // One second's worth by default, so that a client keeping to the rate in whole seconds is never refused.
        int defaultBurst = (int) Math.min(MAX_BURST, Math.max(1, Math.ceil(rate)));
        int burst = s.integer("burst", defaultBurst, 1, MAX_BURST);
        RateLimitConfig.Per per = s.choice("per", RateLimitConfig.Per.CLIENT_IP, RateLimitConfig.Per.values(),
                RateLimitConfig.Per::configName);
        Optional<String> header = header(s, per);
        s.finish();
        if (per == RateLimitConfig.Per.HEADER && header.isEmpty()) {
            return new RateLimitConfig(rate, burst, RateLimitConfig.Per.CLIENT_IP); // reported above
        }
        return new RateLimitConfig(rate, burst, per, header);
    }
}
