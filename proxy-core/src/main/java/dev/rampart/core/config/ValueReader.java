package dev.rampart.core.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Converts one HOCON value to a Java value, or records why it cannot and returns {@code null}.
 *
 * <p>Numbers and booleans are also accepted as strings, because a value substituted from an
 * environment variable ({@code port = ${?RAMPART_PORT}}) is always a string. Durations are the
 * exception to HOCON's leniency: a bare number would mean milliseconds, which an operator writing
 * {@code idle-timeout = 60} never means, so a duration must carry its unit.
 */
final class ValueReader {

    private static final Pattern FRACTION = Pattern.compile("[0-9]*\\.[0-9]+");
    private static final Pattern WHOLE_FRACTION = Pattern.compile("[0-9]*\\.0+");

    private ValueReader() {
    }

    /** How a value is shown after "got": strings quoted, containers summarised. */
    static String describe(ConfigValue value) {
        return switch (value.valueType()) {
            case STRING -> ConfigUtil.quoteString((String) value.unwrapped());
            case OBJECT -> "an object";
            case LIST -> {
                String text = value.render(ConfigRenderOptions.concise());
                yield text.length() <= 40 ? text : "a list";
            }
            case NULL -> "null";
            // As a person writes it: 0.0001, not the 1.0E-4 a double renders as.
            case NUMBER -> value.unwrapped() instanceof Double d && Double.isFinite(d)
                    ? ConfigUnits.decimal(d) : value.render(ConfigRenderOptions.concise());
            default -> value.render(ConfigRenderOptions.concise());
        };
    }

    static void mismatch(String path, String expected, ConfigValue value, Problems problems) {
        problems.add(path, "expected " + expected + ", got " + describe(value), value.origin());
    }

    /** A string; numbers and booleans are taken as written, since HOCON leaves {@code name = 1} unquoted. */
    static String string(ConfigValue value, String path, Problems problems) {
        return switch (value.valueType()) {
            case STRING -> (String) value.unwrapped();
            case NUMBER, BOOLEAN -> value.render(ConfigRenderOptions.concise());
            default -> {
                mismatch(path, "a string", value, problems);
                yield null;
            }
        };
    }

    static Boolean bool(ConfigValue value, String path, Problems problems) {
        if (value.valueType() == ConfigValueType.BOOLEAN) {
            return (Boolean) value.unwrapped();
        }
        if (value.valueType() == ConfigValueType.STRING) {
            switch (((String) value.unwrapped()).trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on":
                    return true;
                case "false", "no", "off":
                    return false;
                default:
                    break;
            }
        }
        mismatch(path, "true or false", value, problems);
        return null;
    }

    /** Any number, as an exact decimal so that integer checks do not suffer rounding. */
    static BigDecimal number(ConfigValue value, String path, Problems problems) {
        try {
            if (value.valueType() == ConfigValueType.NUMBER) {
                return new BigDecimal(value.unwrapped().toString());
            }
            if (value.valueType() == ConfigValueType.STRING && !hasOtherScriptDigit((String) value.unwrapped())) {
                return new BigDecimal(((String) value.unwrapped()).trim());
            }
        } catch (NumberFormatException e) {
            // falls through to the mismatch below
        }
        mismatch(path, "a number", value, problems);
        return null;
    }

    /**
     * Whether {@code text} holds a digit other than '0' to '9': {@code BigDecimal}, {@code Long.parseLong} and
     * HOCON's size parser read any script's digits ("٨٠" as 80), which nginx, and a reader of the file, would not.
     */
    private static boolean hasOtherScriptDigit(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c < '0' || c > '9') && Character.isDigit(c)) {
                return true;
            }
        }
        return false;
    }

    /** A whole number within {@code [min, max]}; {@code range} says what that range means. */
    static Long whole(ConfigValue value, String path, long min, long max, String range, Problems problems) {
        BigDecimal n = number(value, path, problems);
        if (n == null) {
            return null;
        }
        BigDecimal whole = n.stripTrailingZeros();
        if (whole.scale() > 0) {
            mismatch(path, "a whole number", value, problems);
            return null;
        }
        if (whole.compareTo(BigDecimal.valueOf(min)) < 0) {
            mismatch(path, range, value, problems);
            return null;
        }
        if (whole.compareTo(BigDecimal.valueOf(max)) > 0) {
            // A range written as ">= 1" is met by 99999999999: the limit it passed is named too.
            mismatch(path, range.contains(String.valueOf(max)) ? range : range + ", at most " + max, value, problems);
            return null;
        }
        return whole.longValueExact();
    }

    static Double decimal(ConfigValue value, String path, double min, double max, String range, Problems problems) {
        BigDecimal n = number(value, path, problems);
        if (n == null) {
            return null;
        }
        double d = n.doubleValue();
        if (!(d >= min && d <= max)) {
            mismatch(path, range, value, problems);
            return null;
        }
        return d;
    }

    /** A duration with a unit; {@code allowZero} for the keys where 0 means "off". */
    static Duration duration(ConfigValue value, String path, boolean allowZero, Problems problems) {
        String expected = allowZero ? "a duration (e.g. 250ms, 2s)" : "a duration > 0 (e.g. 250ms, 2s)";
        if (value.valueType() != ConfigValueType.STRING
                || !Character.isLetter(lastChar(((String) value.unwrapped()).trim()))) {
            mismatch(path, expected + " with a unit", value, problems);
            return null;
        }
        Duration d;
        try {
            d = ConfigFactory.empty().withValue("v", value).getDuration("v");
        } catch (com.typesafe.config.ConfigException e) {
            mismatch(path, expected, value, problems);
            return null;
        }
        if (d.isNegative() || (!allowZero && d.isZero())) {
            mismatch(path, expected, value, problems);
            return null;
        }
        return d;
    }

    /** A size in bytes: a plain number, or a HOCON size such as {@code 64k} or {@code 10m} (powers of 1024). */
    static Long size(ConfigValue value, String path, long min, long max, Problems problems) {
        String expected = "a size (e.g. 64k, 10m)";
        long bytes;
        if (value.valueType() == ConfigValueType.STRING && hasOtherScriptDigit((String) value.unwrapped())) {
            mismatch(path, expected, value, problems);
            return null;
        }
        if (value.valueType() == ConfigValueType.NUMBER && !isWholeNumber((Number) value.unwrapped())
                || value.valueType() == ConfigValueType.STRING && isFractionOfAByte((String) value.unwrapped())) {
            mismatch(path, "a whole number of bytes, or a size (e.g. 64k, 1.5m)", value, problems);
            return null; // HOCON would round 1.5 down to 1 byte without a word
        }
        try {
            bytes = ConfigFactory.empty().withValue("v", value).getBytes("v");
        } catch (com.typesafe.config.ConfigException e) {
            if (!isOutOfRange(e)) {
                mismatch(path, expected, value, problems);
                return null;
            }
            // A size, only too large for 64 bits ("10000000000g"): the largest one, as a plain number that large
            // is taken (the cast of its double saturates); a key with an upper bound refuses it below.
            bytes = Long.MAX_VALUE;
        }
        if (bytes < min || bytes > max) {
            String range = max == Long.MAX_VALUE ? " >= " + min : " " + min + "-" + max + " bytes";
            mismatch(path, "a size" + range, value, problems);
            return null;
        }
        return bytes;
    }

    /** Typesafe Config's refusal of a well-formed size that does not fit a long (its words, in 1.4.9). */
    private static boolean isOutOfRange(com.typesafe.config.ConfigException e) {
        return e instanceof com.typesafe.config.ConfigException.BadValue && e.getMessage() != null
                && e.getMessage().contains("out of range for a 64-bit long");
    }

    /** A quoted plain number with a fraction ({@code "0.9"}, as environment variables give values): no unit. */
    private static boolean isFractionOfAByte(String text) {
        String t = text.trim();
        return FRACTION.matcher(t).matches() && !WHOLE_FRACTION.matcher(t).matches();
    }

    private static boolean isWholeNumber(Number n) {
        return !(n instanceof Double || n instanceof Float) || n.doubleValue() == Math.rint(n.doubleValue());
    }

    /** One of an enum's config spellings; the error lists every allowed one. */
    static <E extends Enum<E>> E choice(ConfigValue value, String path, E[] choices,
                                        Function<E, String> configName, Problems problems) {
        String text = value.valueType() == ConfigValueType.STRING || value.valueType() == ConfigValueType.NUMBER
                ? string(value, path, problems) : null;
        if (text != null) {
            for (E choice : choices) {
                if (configName.apply(choice).equalsIgnoreCase(text.trim())) {
                    return choice;
                }
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E choice : choices) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(configName.apply(choice));
        }
        mismatch(path, "one of " + allowed, value, problems);
        return null;
    }

    private static char lastChar(String s) {
        return s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
    }
}
