package dev.rampart.core.config;

import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Binds a list of IP addresses and CIDR networks ({@link AddressRange}), each bad entry reported on its own. */
final class AddressRangeBinder {

    private AddressRangeBinder() {
    }

    /**
     * The ranges under {@code key}; empty when absent.
     *
     * @param emptyProblem the problem an empty list is, or null when an empty list is allowed
     */
    static List<AddressRange> bind(ConfigSection s, String key, String emptyProblem) {
        Optional<List<ConfigValue>> values = s.list(key);
        if (values.isEmpty()) {
            return List.of();
        }
        if (values.get().isEmpty() && emptyProblem != null) {
            s.problem(key, emptyProblem);
            return List.of();
        }
        List<AddressRange> ranges = new ArrayList<>();
        s.forEachString(key, values.get(), (text, value, path) -> {
            try {
                ranges.add(AddressRange.parse(text));
            } catch (IllegalArgumentException e) {
                s.problems().add(path, e.getMessage(), value.origin());
            }
        });
        return ranges;
    }
}
