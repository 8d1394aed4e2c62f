package dev.rampart.core.proxy;

import io.netty.handler.codec.DateFormatter;

import java.util.Calendar;
import java.util.Date;
import java.util.Objects;

/** Header values to and from the types {@code HttpHeaders} takes and gives, converted as Netty's maps do. */
final class FieldValues {

    private FieldValues() {
    }

    /** A value as it is written: text as it is, a date as an HTTP date (RFC 9110 §5.6.7), else its string. */
    static CharSequence text(Object value) {
        Objects.requireNonNull(value, "value");
        if (value instanceof CharSequence sequence) {
            return sequence;
        }
        if (value instanceof Date date) {
            return DateFormatter.format(date);
        }
        if (value instanceof Calendar calendar) {
            return DateFormatter.format(calendar.getTime());
        }
        return value.toString();
    }

    /** The value as a number; null when absent or not one. */
    static Integer toInt(CharSequence value) {
        try {
            return value == null ? null : Integer.parseInt(value.toString());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    /** The value as a short number; null when absent or not one. */
    static Short toShort(CharSequence value) {
        try {
            return value == null ? null : Short.parseShort(value.toString());
        } catch (NumberFormatException notANumber) {
            return null;
        }
    }

    /** The value as an HTTP date in epoch milliseconds; null when absent or not a date. */
    static Long toMillis(CharSequence value) {
        Date date = value == null ? null : DateFormatter.parseHttpDate(value);
        return date == null ? null : date.getTime();
    }
}
