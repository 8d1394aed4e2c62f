package dev.rampart.core.config;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Header changes a route makes to what passes through it ({@code routes[i].request-headers} and
 * {@code response-headers}): nginx's {@code proxy_set_header}, {@code add_header} and
 * {@code proxy_hide_header}, Envoy's {@code *_headers_to_add} and {@code *_headers_to_remove}. They are
 * applied in the order remove, set, add, so a header can be dropped and given a value of the operator's.
 *
 * @param set    name (as written) to the value that replaces every line of that name
 * @param add    name (as written) to a value added as one more line, after any already there
 * @param remove names whose lines are dropped
 */
public record HeaderRules(Map<String, String> set, Map<String, String> add, List<String> remove) {

    /** No change. */
    public static final HeaderRules NONE = new HeaderRules(Map.of(), Map.of(), List.of());

    public HeaderRules {
        // In the order given (the file's, line by line), which the effective config shows them in.
        set = Collections.unmodifiableMap(new LinkedHashMap<>(set));
        add = Collections.unmodifiableMap(new LinkedHashMap<>(add));
        remove = List.copyOf(remove);
    }

    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }

    /**
     * Every name the rules set, add or remove, as servers that read names most loosely do: in lower case, with
     * {@code _} as {@code -} (CGI, WSGI and Rack give {@code X_User} and {@code X-User} one variable).
     */
    public Set<String> spellings() {
        Set<String> names = new HashSet<>();
        for (Collection<String> group : List.of(set.keySet(), add.keySet(), remove)) {
            group.forEach(name -> names.add(spelling(name)));
        }
        return names;
    }

    /**
     * A header name as servers that read it most loosely do: in lower case, with {@code _} as {@code -} (CGI, WSGI
     * and Rack give {@code Content_Length} and {@code Content-Length} one variable). Names that spell the same are
     * one header to a rule: the proxy drops a removed or set name in every such spelling.
     */
    public static String spelling(String name) {
        return name.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
