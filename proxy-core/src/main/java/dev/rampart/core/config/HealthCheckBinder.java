package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.rampart.core.config.ExpectedStatuses.Range;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Binds an upstream's {@code health-check}. */
final class HealthCheckBinder {

    static final String EXPECTED_STATUS = "a status code 200-599, a range of them such as \"200-399\", or a class"
            + " such as 2xx";
    static final String EXPECTED_HOST = "a Host value: a name, an IPv4 address or an [IPv6] address, with :port"
            + " (1-65535) or without";
    private static final Pattern RANGE = Pattern.compile("\\s*([0-9]{1,3})\\s*-\\s*([0-9]{1,3})\\s*");
    private static final Pattern CODE = Pattern.compile("\\s*([0-9]{1,3})\\s*");
    private static final Pattern CLASS = Pattern.compile("\\s*([1-9])[xX][xX]\\s*");

    private HealthCheckBinder() {
    }

    static HealthCheckConfig bind(ConfigSection s) {
        HealthCheckConfig.Type type = s.choice("type", HealthCheckConfig.Type.HTTP, HealthCheckConfig.Type.values(),
                HealthCheckConfig.Type::configName);
        if (type == HealthCheckConfig.Type.TCP) {
            refuseHttpOnlyKeys(s);
        }
        String path = s.string("path", "/healthz");
        if (!UriPaths.isPathAndQuery(path)) {
            ValueReader.mismatch(s.path("path"), UriPaths.EXPECTED_PATH_AND_QUERY, s.value("path"), s.problems());
        }
        Duration interval = s.duration("interval", Duration.ofSeconds(5));
        Duration timeout = s.duration("timeout", Duration.ofSeconds(1));
        int healthyThreshold = s.integer("healthy-threshold", 2, 1, Integer.MAX_VALUE);
        int unhealthyThreshold = s.integer("unhealthy-threshold", 3, 1, Integer.MAX_VALUE);
        // A connect-only check keeps no connection: each probe's is closed once made.
        boolean reuseConnection = s.bool("reuse-connection", true) && type == HealthCheckConfig.Type.HTTP;
        ExpectedStatuses expectedStatuses = expectedStatuses(s);
        Optional<String> host = s.optionalString("host").filter(h -> isHost(s, h));
        s.finish();
        return new HealthCheckConfig(path, interval, timeout, healthyThreshold, unhealthyThreshold, reuseConnection,
                expectedStatuses, host, type);
    }

    /**
     * A connect-only check sends no request: a {@code path}, {@code expected-statuses} or {@code host} written
     * beside it would be silently ignored, and {@code reuse-connection = true} would promise a connection kept
     * between probes that a check which closes each one at once never keeps ({@code false} says what it does).
     */
    private static void refuseHttpOnlyKeys(ConfigSection s) {
        for (String key : List.of("path", "expected-statuses", "host")) {
            if (s.has(key)) {
                s.problem(key, "a check of type = tcp sends no request: remove " + key + ", or use type = http");
            }
        }
        if (s.has("reuse-connection") && s.bool("reuse-connection", false)) {
            s.problem("reuse-connection", "a check of type = tcp closes each connection once it is made, so none is"
                    + " kept for the next probe: remove reuse-connection, or use type = http");
        }
    }

    private static ExpectedStatuses expectedStatuses(ConfigSection s) {
        Optional<List<ConfigValue>> values = s.list("expected-statuses");
        if (values.isEmpty()) {
            return ExpectedStatuses.ANY_2XX;
        }
        if (values.get().isEmpty()) {
            s.problem("expected-statuses", "an empty list passes no answer: name the statuses that pass, or leave the"
                    + " key out for any 2xx");
            return ExpectedStatuses.ANY_2XX;
        }
        List<Range> ranges = new ArrayList<>();
        List<ConfigValue> list = values.get();
        for (int i = 0; i < list.size(); i++) {
            Range range = range(list.get(i), s.path("expected-statuses") + "[" + i + "]", s.problems());
            if (range != null) {
                ranges.add(range);
            }
        }
        return ranges.isEmpty() ? ExpectedStatuses.ANY_2XX : ExpectedStatuses.of(ranges);
    }

    /** One element: {@code 204}, {@code "204"}, {@code "200-399"} or {@code 2xx}; null when reported. */
    private static Range range(ConfigValue value, String path, Problems problems) {
        String text = value.valueType() == ConfigValueType.STRING || value.valueType() == ConfigValueType.NUMBER
                ? ValueReader.string(value, path, problems) : null;
        Matcher m;
        int first;
        int last;
        if (text != null && (m = CODE.matcher(text)).matches()) {
            first = Integer.parseInt(m.group(1));
            last = first;
        } else if (text != null && (m = RANGE.matcher(text)).matches()) {
            first = Integer.parseInt(m.group(1));
            last = Integer.parseInt(m.group(2));
        } else if (text != null && (m = CLASS.matcher(text)).matches()) {
            first = Integer.parseInt(m.group(1)) * 100;
            last = first + 99;
        } else {
            ValueReader.mismatch(path, EXPECTED_STATUS, value, problems);
            return null;
        }
        if (first > last) {
            problems.add(path, "expected " + EXPECTED_STATUS + ", got " + ValueReader.describe(value)
                    + " (a range goes from the lower status to the higher)", value.origin());
            return null;
        }
        if (first < 200 && last >= 100) {
            // The probe reads past an interim answer (100 Continue, 103 Early Hints) to the final one, and a 101
            // to a plain GET is no answer a check can pass: a 1xx listed would look meant and never be met.
            problems.add(path, "expected " + EXPECTED_STATUS + ", got " + ValueReader.describe(value)
                    + " (a 1xx is no final answer: the probe reads past it to the status that follows)", value.origin());
            return null;
        }
        if (first < 100 || last > 599) {
            ValueReader.mismatch(path, EXPECTED_STATUS, value, problems);
            return null;
        }
        return new Range(first, last);
    }

    /**
     * Whether {@code host} is one {@code host[:port]} as a request's {@code Host} carries it (else reported):
     * nothing an upstream would read as more than one name, or as a header line of its own.
     */
    private static boolean isHost(ConfigSection s, String host) {
        boolean valid = !host.isEmpty() && host.equals(host.strip()) && host.indexOf('/') < 0;
        if (valid) {
            try {
                EndpointAddress.parse("http://" + host); // the grammar of endpoints, whose port may be left out
            } catch (IllegalArgumentException e) {
                valid = false;
            }
        }
        if (!valid) {
            ValueReader.mismatch(s.path("host"), EXPECTED_HOST, s.value("host"), s.problems());
        }
        return valid;
    }
}
