package dev.rampart.core.resilience;

import dev.rampart.core.testing.ModelSeeds;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random {@code Retry-After} values, each made together with what RFC 9110 §10.2.3 and §5.6.7 (and the cap that
 * {@link RetryAfter#parse} documents) say it means: delay-seconds of any length, the three date forms around a
 * random now (past, present, far future), optional whitespace, and broken forms that must read as absent.
 * Deterministic by seed; a failure names the seed and the value.
 */
class RetryAfterFuzzTest {

    private static final int CASES = 20_000;
    private static final long CAP = RetryAfter.MAX_DELAY_SECONDS;
    private static final DateTimeFormatter IMF =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter RFC_850 =
            DateTimeFormatter.ofPattern("EEEE, dd-MMM-yy HH:mm:ss 'GMT'", Locale.US);
    private static final DateTimeFormatter ASCTIME =
            DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US);

    private record Case(String value, Optional<Duration> expected) {
    }

    @Test
    void everyValueReadsAsTheRfcSays() {
        long seed = ModelSeeds.first();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++) {
            // now between 1971 and 2090, with a fraction of a second, so a date is rarely a whole number of seconds away
            Instant now = Instant.ofEpochSecond(random.nextLong(40_000_000L, 3_800_000_000L), random.nextInt(1_000_000_000));
            Clock clock = Clock.fixed(now, ZoneOffset.UTC);
            Case c = randomCase(random, now);
            assertEquals(c.expected, RetryAfter.parse(c.value, clock),
                    "seed " + seed + " case " + i + ": Retry-After [" + c.value + "] at " + now);
        }
    }

    /**
     * The same values sent by an upstream whose clock is up to two days off ours, with its {@code Date}: what they
     * mean is measured from that {@code Date}, so the skew changes nothing of it.
     */
    @Test
    void everyValueFromASkewedSenderReadsAsItMeantByItsClock() {
        long seed = ModelSeeds.first();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < CASES; i++) {
            Instant now = Instant.ofEpochSecond(random.nextLong(40_000_000L, 3_800_000_000L), random.nextInt(1_000_000_000));
            Clock clock = Clock.fixed(now, ZoneOffset.UTC);
            // a Date names whole seconds: the sender's now as its Date says it
            Instant senderNow = now.plusSeconds(random.nextLong(-2 * 86_400, 2 * 86_400 + 1))
                    .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
            DateTimeFormatter dateForm = switch (random.nextInt(3)) {
                case 0 -> IMF;
                case 1 -> RFC_850;
                default -> ASCTIME;
            };
            String senderDate = ZonedDateTime.ofInstant(senderNow, ZoneOffset.UTC).format(dateForm);
            Case c = randomCase(random, senderNow);
            String relative = RetryAfter.againstSenderDate(c.value, senderDate, clock);
            assertEquals(c.expected, RetryAfter.parse(relative, clock), "seed " + seed + " case " + i + ": Retry-After ["
                    + c.value + "] with Date [" + senderDate + "] at " + now + " read as [" + relative + "]");
        }
    }

    private static Case randomCase(SplittableRandom random, Instant now) {
        Case c = switch (random.nextInt(6)) {
            case 0 -> delaySeconds(random);
            case 1 -> date(random, now, IMF, 0);
            case 2 -> date(random, now, RFC_850, 1);
            case 3 -> date(random, now, ASCTIME, 0);
            case 4 -> impossibleDate(random);
            default -> garbage(random, now);
        };
        if (c.expected.isPresent() && random.nextInt(4) == 0) {
            // optional whitespace (space and tab only) around a valid value changes nothing
            return new Case(ows(random) + c.value + ows(random), c.expected);
        }
        return c;
    }

    private static Case delaySeconds(SplittableRandom random) {
        int digits = random.nextInt(1, 31);
        StringBuilder value = new StringBuilder();
        for (int i = 0; i < digits; i++) {
            value.append((char) ('0' + random.nextInt(10)));
        }
        if (random.nextInt(5) == 0) {
            value.setLength(0);
            long boundary = CAP + random.nextInt(3) - 1;
            value.append(boundary);
        }
        BigInteger seconds = new BigInteger(value.toString());
        long expected = seconds.min(BigInteger.valueOf(CAP)).longValueExact();
        return new Case(value.toString(), Optional.of(Duration.ofSeconds(expected)));
    }

    /** A date some random time from now; {@code twoDigitYear} keeps it within the 50 years that form can name. */
    private static Case date(SplittableRandom random, Instant now, DateTimeFormatter format, int twoDigitYear) {
        long offset = switch (random.nextInt(6)) {
            case 0 -> random.nextLong(-3_600, 3_600);
            case 1 -> random.nextInt(3) - 1;
            case 2 -> CAP + random.nextInt(3) - 1;
            case 3 -> -random.nextLong(1, 40L * 365 * 86_400);
            default -> random.nextLong(1, twoDigitYear == 1 ? 45L * 365 * 86_400 : 3 * CAP);
        };
        if (twoDigitYear == 1 && Math.abs(offset) > 45L * 365 * 86_400) {
            offset = offset % (45L * 365 * 86_400);
        }
        Instant date = now.plusSeconds(offset).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String value = ZonedDateTime.ofInstant(date, ZoneOffset.UTC).format(format);
        Duration delay = Duration.between(now, date);
        Duration expected = delay.isNegative() ? Duration.ZERO
                : delay.getSeconds() >= CAP ? Duration.ofSeconds(CAP) : delay;
        return new Case(value, Optional.of(expected));
    }

    private static Case impossibleDate(SplittableRandom random) {
        String value = switch (random.nextInt(6)) {
            case 0 -> "Mon, 30 Feb 2026 10:00:00 GMT";
            case 1 -> "Thu, 31 Apr 2026 10:00:00 GMT";
            case 2 -> "Fri, 01 May 2026 24:00:00 GMT";
            case 3 -> "Fri, 01 May 2026 10:60:00 GMT";
            case 4 -> "Sunday, 29-Feb-25 10:00:00 GMT";
            default -> "Sun Feb 29 10:00:00 2025";
        };
        return new Case(value, Optional.empty());
    }

    private static Case garbage(SplittableRandom random, Instant now) {
        String imf = ZonedDateTime.ofInstant(now.plusSeconds(60), ZoneOffset.UTC).format(IMF);
        String value = switch (random.nextInt(22)) {
            case 0 -> "-" + random.nextInt(100);
            case 1 -> "+" + random.nextInt(100);
            case 2 -> random.nextInt(100) + ".5";
            case 3 -> random.nextInt(100) + "s";
            case 4 -> "1 0";
            case 5 -> "0x10";
            case 6 -> "";
            case 7 -> ows(random) + " ";
            case 8 -> "5, 7"; // two field lines joined: not one delay
            case 9 -> "\u00a05"; // no-break space is not OWS
            case 10 -> "5\u000b";
            case 11 -> "\u0663"; // an Arabic-Indic digit is no DIGIT
            case 12 -> "\uff15"; // a full-width digit neither
            case 13 -> imf.replace("GMT", "UTC");
            case 14 -> imf.replace("GMT", "gmt");
            case 15 -> imf.substring(5); // no day name
            case 16 -> imf.substring(0, 5) + imf.substring(6); // a one-digit day
            case 17 -> imf + "x";
            case 18 -> "5\n";
            case 19 -> "Sun, 06 Nov 94 08:49:37 GMT"; // a two-digit year in the IMF form
            case 20 -> "NaN";
            default -> "1e3";
        };
        if (random.nextInt(30) == 0) {
            value = "9".repeat(random.nextInt(1, 5)) + "-";
        }
        return new Case(value, Optional.empty());
    }

    private static String ows(SplittableRandom random) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(3); i > 0; i--) {
            s.append(random.nextBoolean() ? ' ' : '\t');
        }
        return s.toString();
    }
}
