package dev.rampart.core.proxy;

import dev.rampart.core.config.HeaderRules;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.Map;
import java.util.function.Predicate;

/**
 * Applies a route's {@link HeaderRules} to a head on its way through (removes, then sets, then adds), and
 * keeps the headers it removes or sets out of the message's trailers, where a sender could otherwise put
 * them back.
 */
final class RouteHeaders {

    private RouteHeaders() {
    }

    /**
     * The route's changes to a request head sent upstream. A header removed or set goes in every spelling
     * that reads the same with {@code _} as {@code -}: CGI, WSGI and Rack servers give {@code X_User} and
     * {@code X-User} one variable, so a client's {@code X_User} would otherwise survive a rule that removes
     * or replaces {@code X-User} (nginx drops names with underscores by default for this reason).
     */
    static void applyToRequest(HeaderRules rules, HttpHeaders headers) {
        if (!rules.isEmpty()) {
            dropEverySpelling(rules, headers);
            apply(rules, headers);
        }
    }

    /** Drops from a request's trailers the headers the route removes or sets, in every spelling. */
    static void dropFromRequestTrailers(HeaderRules rules, HttpHeaders trailers) {
        if (!rules.isEmpty() && !trailers.isEmpty()) {
            dropEverySpelling(rules, trailers);
        }
    }

    /** The route's changes to a response head relayed to the client, or to its own direct answer. */
    static void applyToResponse(HeaderRules rules, HttpHeaders headers) {
        if (!rules.isEmpty()) {
            apply(rules, headers);
        }
    }

    /**
     * The route's removals alone: all a 1xx relayed to the client gets (103 Early Hints, the 101 that opens a
     * tunnel), so that a header the operator hides stays hidden on them too, as nginx's
     * {@code proxy_hide_header} hides it on a 101. Nothing is set or added: those describe the final response.
     */
    static void applyRemovals(HeaderRules rules, HttpHeaders headers) {
        for (String name : rules.remove()) {
            headers.remove(name);
        }
    }

    /** Drops from a relayed response's trailers the headers the route removes or sets. */
    static void dropFromResponseTrailers(HeaderRules rules, HttpHeaders trailers) {
        if (!rules.isEmpty() && !trailers.isEmpty()) {
            applyRemovals(rules, trailers);
            rules.set().keySet().forEach(trailers::remove);
        }
    }

    private static void apply(HeaderRules rules, HttpHeaders headers) {
        applyRemovals(rules, headers);
        for (Map.Entry<String, String> header : rules.set().entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        for (Map.Entry<String, String> header : rules.add().entrySet()) {
            headers.add(header.getKey(), header.getValue());
        }
    }

    private static void dropEverySpelling(HeaderRules rules, HttpHeaders headers) {
        dropEverySpelling(headers, dashed -> removedOrSet(rules, dashed));
    }

    /**
     * Drops every header that {@code dropped} names: it is given each name with dashes for underscores, in the case
     * it came in, to compare ignoring case (no string is made per comparison on this path of every request).
     */
    static void dropEverySpelling(HttpHeaders headers, Predicate<String> dropped) {
        headers.names().stream()
                .filter(present -> dropped.test(present.replace('_', '-')))
                .toList()
                .forEach(headers::remove);
    }

    /** Whether a header whose name reads {@code dashed} with dashes for underscores is removed or set. */
    static boolean removedOrSet(HeaderRules rules, String dashed) {
        for (String name : rules.remove()) {
            if (dashed.equalsIgnoreCase(name.replace('_', '-'))) {
                return true;
            }
        }
        for (String name : rules.set().keySet()) {
            if (dashed.equalsIgnoreCase(name.replace('_', '-'))) {
                return true;
            }
        }
        return false;
    }
}
