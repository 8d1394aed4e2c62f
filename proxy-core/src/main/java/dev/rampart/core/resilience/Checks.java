package dev.rampart.core.resilience;

import java.time.Duration;

/** Argument checks shared by the factories of this package; the messages follow {@code "name: value (expected: ...)"}. */
final class Checks {

    private Checks() {
    }

    static void checkArgument(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalArgumentException(String.format(format, args));
        }
    }

    static <T> T checkNotNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        return value;
    }

    /**
     * A non-negative duration in nanoseconds, saturated at {@link Long#MAX_VALUE}: a config may say
     * {@code 1000d}, which {@link Duration#toNanos()} cannot represent, and "practically forever" is
     * the meaning the operator wanted.
     */
    static long nonNegativeNanos(String name, Duration duration) {
        checkNotNull(duration, name);
        checkArgument(!duration.isNegative(), "%s: %s (expected: >= 0)", name, duration);
        return saturatedNanos(duration);
    }

    /** Like {@link #nonNegativeNanos} but zero is rejected too. */
    static long positiveNanos(String name, Duration duration) {
        checkNotNull(duration, name);
        checkArgument(!duration.isNegative() && !duration.isZero(), "%s: %s (expected: > 0)", name, duration);
        return saturatedNanos(duration);
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
