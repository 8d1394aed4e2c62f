package dev.rampart.core.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The statuses of a health check's answer that pass it: a {@code health-check}'s {@code expected-statuses}.
 * Kept as sorted ranges with overlapping and adjacent ones joined, so two lists that pass the same statuses
 * are equal however they were written ({@code [200, "201-204"]} is {@code ["200-204"]}): a reload that only
 * rewrites the list keeps the check as it is, with its probe in flight.
 *
 * @param ranges from the lowest, none touching the next
 */
public record ExpectedStatuses(List<Range> ranges) {

    /**
     * Any 2xx, as before the key existed. Narrower than HAProxy's plain {@code option httpchk} and nginx Plus's
     * {@code health_check} without {@code match}, which pass 3xx too: a redirect is what a misrouted probe gets.
     */
    public static final ExpectedStatuses ANY_2XX = of(List.of(new Range(200, 299)));

    /** Statuses {@code first} to {@code last}, both included. */
    public record Range(int first, int last) {
        public Range {
            if (first > last) {
                throw new IllegalArgumentException("reversed range " + first + "-" + last);
            }
        }

        /** {@code 200}, or {@code 200-399}: as the config writes it. */
        @Override
        public String toString() {
            return first == last ? Integer.toString(first) : first + "-" + last;
        }
    }

    public ExpectedStatuses {
        ranges = List.copyOf(ranges);
    }

    /** {@code ranges} in any order, sorted and joined. */
    public static ExpectedStatuses of(List<Range> ranges) {
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("no status passes");
        }
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingInt(Range::first));
        List<Range> joined = new ArrayList<>();
        Range current = sorted.get(0);
        for (Range next : sorted.subList(1, sorted.size())) {
            if (next.first() <= current.last() + 1) {
                current = new Range(current.first(), Math.max(current.last(), next.last()));
            } else {
                joined.add(current);
                current = next;
            }
        }
        joined.add(current);
        return new ExpectedStatuses(joined);
    }

    public boolean contains(int status) {
        for (Range range : ranges) {
            if (status >= range.first() && status <= range.last()) {
                return true;
            }
        }
        return false;
    }
}
