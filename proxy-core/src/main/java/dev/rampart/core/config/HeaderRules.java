package dev.rampart.core.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
}
