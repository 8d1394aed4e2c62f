package dev.rampart.core.config;

import dev.rampart.core.config.RenderTree.Arr;
import dev.rampart.core.config.RenderTree.Bool;
import dev.rampart.core.config.RenderTree.Node;
import dev.rampart.core.config.RenderTree.Num;
import dev.rampart.core.config.RenderTree.Obj;
import dev.rampart.core.config.RenderTree.Str;
import dev.rampart.core.config.RenderTree.Token;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The values of a rendered config ({@link EffectiveConfigRenderer}) as the config file would write them:
 * durations and sizes in their units, methods in RFC 9110's order, numbers without trailing zeros.
 */
final class RenderValues {

    /** A method name HOCON reads back as the same string when written bare. */
    private static final Pattern BARE_METHOD = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");

    private RenderValues() {
    }

    /** Standard methods in the order RFC 9110 lists them, so a rendered set reads the same every time. */
    static final List<String> METHOD_ORDER =
            List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    static Arr ranges(List<AddressRange> ranges) {
        return strings(ranges.stream().map(AddressRange::toString).toList());
    }

    static Obj hashKey(ConsistentHashConfig hash) {
        Obj block = new Obj().put("key", new Token(hash.key().configName()));
        hash.name().ifPresent(name -> block.put("name", str(name)));
        if (hash.balanceFactor() != 0) {
            block.put("balance-factor", num(hash.balanceFactor()));
        }
        return block;
    }

    /** A health check's block, its {@code path}'s query redacted when {@code redact}. */
    static Obj healthCheck(HealthCheckConfig h, boolean redact) {
        boolean http = h.type() == HealthCheckConfig.Type.HTTP;
        Obj block = new Obj().put("type", str(h.type().configName()));
        if (http) {
            block.put("path", str(redact ? UriRedaction.query(h.path()) : h.path()));
        }
        block.put("interval", duration(h.interval()))
                .put("timeout", duration(h.timeout()))
                .put("healthy-threshold", num(h.healthyThreshold()))
                .put("unhealthy-threshold", num(h.unhealthyThreshold()));
        if (!http) {
            return block; // no request: the keys of one would be refused beside it
        }
        block.put("reuse-connection", bool(h.reuseConnection()))
                .put("expected-statuses", expectedStatuses(h.expectedStatuses()));
        h.host().ifPresentOrElse(host -> block.put("host", str(host)),
                () -> block.note("no host: probes send the endpoint's host:port"));
        return block;
    }

    /** A single status as a number, a range as the string the config writes it as ({@code "200-299"}). */
    static Arr expectedStatuses(ExpectedStatuses statuses) {
        return new Arr(statuses.ranges().stream()
                .map(r -> r.first() == r.last() ? (Node) num(r.first()) : str(r.toString())).toList());
    }

    static Arr strings(List<String> values) {
        return new Arr(values.stream().map(v -> (Node) str(v)).toList());
    }

    static List<String> sortedMethods(Collection<String> methods) {
        return methods.stream().sorted(Comparator
                .comparingInt((String m) -> METHOD_ORDER.contains(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.size())
                .thenComparing(Comparator.naturalOrder())).toList();
    }

    static Arr tokens(List<String> values) {
        return new Arr(values.stream().map(v -> (Node) new Token(v)).toList());
    }

    /**
     * Method names as the config would write them: bare where HOCON reads a bare word back as the same
     * string, quoted otherwise (a method may be any token: {@code 007} bare would come back as the number
     * 7, {@code M#1} bare would start a comment).
     */
    static Arr methods(Collection<String> methods) {
        return new Arr(sortedMethods(methods).stream()
                .map(v -> BARE_METHOD.matcher(v).matches() ? (Node) new Token(v) : new Str(v)).toList());
    }

    static Str str(String s) {
        return new Str(s);
    }

    static Num num(long n) {
        return new Num(Long.toString(n));
    }

    static Num decimal(double d) {
        return new Num(ConfigUnits.decimal(d));
    }

    static Num factor(double d) {
        return new Num(ConfigUnits.factor(d));
    }

    static Bool bool(boolean b) {
        return new Bool(b);
    }

    static Token duration(Duration d) {
        return new Token(ConfigUnits.duration(d));
    }

    static Token size(long bytes) {
        return new Token(ConfigUnits.size(bytes));
    }
}
