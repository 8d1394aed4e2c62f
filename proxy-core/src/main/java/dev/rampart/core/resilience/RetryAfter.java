package dev.rampart.core.resilience;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code Retry-After} (RFC 9110 §10.2.3): {@code delay-seconds} or an HTTP-date in any of the
 * three forms a recipient must accept (§5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime.
 * The value comes from an upstream we do not control, so anything malformed is simply absent: the
 * retry then falls back to its own backoff instead of failing the exchange.
 */
public final class RetryAfter {

    private static final List<String> MONTHS =
            List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");
    private static final String MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    private static final String TIME = "(\\d{2}):(\\d{2}):(\\d{2})";

    /** {@code Sun, 06 Nov 1994 08:49:37 GMT} */
    private static final Pattern IMF_FIXDATE = Pattern.compile(
            "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) " + MONTH + " (\\d{4}) " + TIME + " GMT");
    /** {@code Sunday, 06-Nov-94 08:49:37 GMT} */
    private static final Pattern RFC_850 = Pattern.compile(
            "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-" + MONTH + "-(\\d{2}) " + TIME + " GMT");
    /** {@code Sun Nov  6 08:49:37 1994} */
    private static final Pattern ASCTIME = Pattern.compile(
            "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) " + MONTH + " ([ \\d]\\d) " + TIME + " (\\d{4})");

    /** The longest delay a {@code delay-seconds} value gives: 2^31 seconds, about 68 years. */
    public static final long MAX_DELAY_SECONDS = 1L << 31;

    private RetryAfter() {
    }

    /**
     * How long the upstream asked us to wait, measured from {@code clock}'s now.
     *
     * @return the delay, at most {@link #MAX_DELAY_SECONDS} (a date further ahead included, so that either form
     *         says the same of the same wait); {@link Duration#ZERO} for a date in the past; empty for an absent, empty, negative or malformed value, and for an
     *         impossible date (Feb 30)
     */
    public static Optional<Duration> parse(String headerValue, Clock clock) {
        Checks.checkNotNull(clock, "clock");
        if (headerValue == null) {
            return Optional.empty();
        }
        String value = trimOws(headerValue);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (isDigits(value)) {
            return parseSeconds(value);
        }
        return parseHttpDate(value, clock).map(date -> {
            Duration delay = Duration.between(clock.instant(), date);
            return delay.isNegative() ? Duration.ZERO
                    : delay.getSeconds() >= MAX_DELAY_SECONDS ? Duration.ofSeconds(MAX_DELAY_SECONDS) : delay;
        });
    }

    /**
     * The upstream's {@code Retry-After} as the wait it meant by its own clock: an HTTP-date is turned into
     * delay-seconds counted from the same response's {@code Date} (RFC 9110 §6.6.1: when the upstream made the
     * message), so that an upstream whose clock is a minute ahead of ours asking for 2 s is waited 2 s, not 62 s
     * (which {@code retry-after.max} would refuse, and the envelope would hand the client), and one a minute behind
     * is not retried at once, which a date read by our clock would take for a past one. Caches correct for a
     * sender's clock from its {@code Date} the same way (RFC 9111 §4.2.3). Two HTTP-dates are whole seconds apart,
     * so nothing is rounded; a wait that then starts when the response arrived is what delay-seconds means.
     *
     * @return delay-seconds when both are well-formed HTTP-dates ({@code 0} for a date not after the {@code Date}),
     *         else {@code retryAfter} as it came (delay-seconds, a malformed value, or a date with no usable
     *         {@code Date} to count from, which {@link #parse} then reads by our clock); null for null
     */
    public static String againstSenderDate(String retryAfter, String senderDate, Clock clock) {
        Checks.checkNotNull(clock, "clock");
        if (retryAfter == null || senderDate == null) {
            return retryAfter;
        }
        String value = trimOws(retryAfter);
        if (value.isEmpty() || isDigits(value)) {
            return retryAfter;
        }
        Optional<Instant> asked = parseHttpDate(value, clock);
        Optional<Instant> sent = parseHttpDate(trimOws(senderDate), clock);
        if (asked.isEmpty() || sent.isEmpty()) {
            return retryAfter;
        }
        long seconds = Duration.between(sent.get(), asked.get()).getSeconds();
        return Long.toString(Math.min(Math.max(seconds, 0), MAX_DELAY_SECONDS));
    }

    /**
     * Delay-seconds beyond {@link #MAX_DELAY_SECONDS}, however many digits, are that maximum: the upstream
     * asked for a very long wait, which is not the same as asking for none. Capping (as RFC 9111 §1.2.2
     * does for delta-seconds) also keeps every later sum or unit conversion far from overflowing.
     */
    private static Optional<Duration> parseSeconds(String digits) {
        String significant = digits.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 10) {
            return Optional.of(Duration.ofSeconds(MAX_DELAY_SECONDS));
        }
        return Optional.of(Duration.ofSeconds(Math.min(Long.parseLong(significant), MAX_DELAY_SECONDS)));
    }

    private static Optional<Instant> parseHttpDate(String value, Clock clock) {
        try {
            Matcher m = IMF_FIXDATE.matcher(value);
            if (m.matches()) {
                return Optional.of(toInstant(year4(m.group(3)), m.group(2), m.group(1), m, 4));
            }
            m = RFC_850.matcher(value);
            if (m.matches()) {
                int year = twoDigitYear(Integer.parseInt(m.group(3)), clock);
                return Optional.of(toInstant(year, m.group(2), m.group(1), m, 4));
            }
            m = ASCTIME.matcher(value);
            if (m.matches()) {
                return Optional.of(toInstant(year4(m.group(6)), m.group(1), m.group(2).trim(), m, 3));
            }
        } catch (DateTimeException impossibleDate) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** Builds the instant; {@code timeGroup} is the group of the hour, minute and second follow it. */
    private static Instant toInstant(int year, String month, String day, Matcher m, int timeGroup) {
        int hour = Integer.parseInt(m.group(timeGroup));
        int minute = Integer.parseInt(m.group(timeGroup + 1));
        int second = Integer.parseInt(m.group(timeGroup + 2));
        // RFC 9110 allows second 60 (a leap second); java.time does not, so count it as the next second.
        int leap = second == 60 ? 1 : 0;
        LocalDateTime dateTime = LocalDateTime.of(year, MONTHS.indexOf(month) + 1, Integer.parseInt(day),
                hour, minute, second - leap);
        return dateTime.toInstant(ZoneOffset.UTC).plusSeconds(leap);
    }

    private static int year4(String digits) {
        return Integer.parseInt(digits);
    }

    /**
     * RFC 9110 §5.6.7: a two-digit year that appears to be more than 50 years in the future is the
     * most recent past year with the same last two digits, so the year is the one with those digits among the
     * hundred that end 50 years from now: in 2060, "05" is 2105 (45 years ahead), not 2005.
     */
    private static int twoDigitYear(int yy, Clock clock) {
        int currentYear = LocalDateTime.ofInstant(clock.instant(), ZoneOffset.UTC).getYear();
        int year = currentYear - Math.floorMod(currentYear, 100) + yy;
        if (year > currentYear + 50) {
            return year - 100;
        }
        return year <= currentYear - 50 ? year + 100 : year;
    }

    private static boolean isDigits(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 OWS is space and horizontal tab only. */
    private static String trimOws(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
