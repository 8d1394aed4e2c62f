package dev.rampart.core.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * Writes durations, sizes and decimals the way an operator would type them in HOCON, so that the
 * effective config reads like a config file and parses back to the same values.
 */
public final class ConfigUnits {

    private static final long[] DURATION_NANOS = {
        86_400_000_000_000L, 3_600_000_000_000L, 60_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L, 1L};
    private static final String[] DURATION_UNITS = {"d", "h", "m", "s", "ms", "us", "ns"};

    private static final long[] SIZE_BYTES = {1L << 30, 1L << 20, 1L << 10};
    private static final String[] SIZE_UNITS = {"g", "m", "k"};

    private ConfigUnits() {
    }

    /** The largest unit that states the duration exactly: {@code 250ms}, {@code 2s}, {@code 1m}; zero is {@code 0s}. */
    public static String duration(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.getNano() == 0) {
            // Whole seconds: skip toNanos(), which overflows past ~292 years.
            long seconds = d.getSeconds();
            for (int i = 0; i < 4; i++) {
                long unitSeconds = DURATION_NANOS[i] / 1_000_000_000L;
                if (seconds % unitSeconds == 0) {
                    return seconds / unitSeconds + DURATION_UNITS[i];
                }
            }
        }
        long nanos = d.toNanos();
        for (int i = 0; i < DURATION_NANOS.length; i++) {
            if (nanos % DURATION_NANOS[i] == 0) {
                return nanos / DURATION_NANOS[i] + DURATION_UNITS[i];
            }
        }
        throw new AssertionError("unreachable: every duration is a whole number of nanoseconds");
    }

    /** The largest binary unit that states the size exactly ({@code 64k}, {@code 10m}), else plain bytes. */
    static String size(long bytes) {
        if (bytes == 0) {
            return "0";
        }
        for (int i = 0; i < SIZE_BYTES.length; i++) {
            if (bytes % SIZE_BYTES[i] == 0) {
                return bytes / SIZE_BYTES[i] + SIZE_UNITS[i];
            }
        }
        return Long.toString(bytes);
    }

    /** A factor or ratio, always with a decimal point ({@code 2.0}, {@code 0.2}) so it reads as one. */
    static String factor(double value) {
        String plain = decimal(value);
        return plain.contains(".") ? plain : plain + ".0";
    }

    /** A decimal without noise: {@code 50} rather than {@code 50.0}, {@code 0.2} rather than {@code 0.20000}. */
    static String decimal(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
