package dev.rampart.core.resilience;

/**
 * How long a breaker stays open: {@code open-duration} the first time, twice the last period at each re-open in a
 * row (a probe that failed), never more than {@code max-open-duration}. In nanoseconds.
 */
record OpenPeriods(long firstNanos, long maxNanos) {

    /** The period after one of {@code lastNanos}: doubled, up to the most (without overflowing). */
    long after(long lastNanos) {
        return lastNanos > maxNanos / 2 ? maxNanos : Math.min(lastNanos * 2, maxNanos);
    }

    /** The period after {@code reopenings} re-opens in a row: what a breaker retuned by a reload takes on. */
    long afterReopenings(int reopenings) {
        long nanos = firstNanos;
        for (int i = 0; i < reopenings && nanos < maxNanos; i++) {
            nanos = after(nanos);
        }
        return Math.min(nanos, maxNanos);
    }
}
