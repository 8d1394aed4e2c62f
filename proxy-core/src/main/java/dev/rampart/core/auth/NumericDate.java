package dev.rampart.core.auth;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A token's {@code exp} or {@code nbf} as the JSON gave it (RFC 7519 §2 NumericDate: seconds since the epoch, a
 * fraction allowed) in epoch milliseconds, saturated at the ends of a {@code long}: a date beyond them is the end
 * (or the start) of time, never another date. Nimbus multiplies the seconds by 1,000 in a {@code long} that
 * overflows, so its own {@code getNotBeforeTime()} put {@code "nbf": 9223372036854776} (or {@code 1e30}) in 1969,
 * and a token not valid for billions of years passed; {@code "exp": -18446744073709551} wrapped into this year.
 */
final class NumericDate {

    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);

    private NumericDate() {
    }

    /**
     * Epoch milliseconds (rounded down) of a claim the parser has already found to be a number (Nimbus's JSON reader
     * gives a {@code Long}, or a finite {@code Double} for a fraction, an exponent or a whole number past a long).
     */
    static long millis(Number seconds) {
        BigDecimal exact;
        if (seconds instanceof Long || seconds instanceof Integer || seconds instanceof Short || seconds instanceof Byte) {
            exact = BigDecimal.valueOf(seconds.longValue());
        } else if (seconds instanceof Double || seconds instanceof Float) {
            double value = seconds.doubleValue();
            if (!Double.isFinite(value)) {
                return value > 0 ? Long.MAX_VALUE : Long.MIN_VALUE; // NaN: JSON has none, and the parser refuses it
            }
            exact = BigDecimal.valueOf(value);
        } else {
            exact = new BigDecimal(seconds.toString());
        }
        BigDecimal millis = exact.movePointRight(3).setScale(0, RoundingMode.FLOOR);
        return millis.compareTo(LONG_MAX) > 0 ? Long.MAX_VALUE
                : millis.compareTo(LONG_MIN) < 0 ? Long.MIN_VALUE : millis.longValueExact();
    }
}
