package dev.rampart.core.resilience;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryAfterTest {

    /** 30 seconds before the RFC's example date, Sun, 06 Nov 1994 08:49:37 GMT. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("1994-11-06T08:49:07Z"), ZoneOffset.UTC);

    private static Optional<Duration> parse(String value) {
        return RetryAfter.parse(value, CLOCK);
    }

    @Test
    void delaySeconds() {
        assertEquals(Optional.of(Duration.ofSeconds(120)), parse("120"));
        assertEquals(Optional.of(Duration.ZERO), parse("0"));
        assertEquals(Optional.of(Duration.ofSeconds(5)), parse(" \t5 "), "optional whitespace is trimmed");
        assertEquals(Optional.of(Duration.ofSeconds(RetryAfter.MAX_DELAY_SECONDS)),
                parse(Long.toString(RetryAfter.MAX_DELAY_SECONDS)));
        assertEquals(Optional.of(Duration.ofSeconds(1_000_000_000L)), parse("1000000000"),
                "ten digits below the maximum are the delay they say");
        assertEquals(Optional.of(Duration.ofSeconds(1_000_000_000L)), parse("0001000000000"), "leading zeros aside");
    }

    @Test
    void imfFixdate() {
        assertEquals(Optional.of(Duration.ofSeconds(30)), parse("Sun, 06 Nov 1994 08:49:37 GMT"));
    }

    @Test
    void obsoleteRfc850Date() {
        assertEquals(Optional.of(Duration.ofSeconds(30)), parse("Sunday, 06-Nov-94 08:49:37 GMT"));
    }

    @Test
    void asctimeDate() {
        assertEquals(Optional.of(Duration.ofSeconds(30)), parse("Sun Nov  6 08:49:37 1994"));
        assertEquals(Optional.of(Duration.ofDays(10).plusSeconds(30)), parse("Wed Nov 16 08:49:37 1994"));
    }

    @Test
    void theDayNameIsNotCrossChecked() {
        // 06 Nov 1994 was a Sunday; a sender that got the name wrong still meant the date.
        assertEquals(Optional.of(Duration.ofSeconds(30)), parse("Mon, 06 Nov 1994 08:49:37 GMT"));
    }

    @Test
    void aDateInThePastIsZero() {
        assertEquals(Optional.of(Duration.ZERO), parse("Sat, 05 Nov 1994 08:49:37 GMT"));
        assertEquals(Optional.of(Duration.ZERO), parse("Thu, 01 Jan 1970 00:00:00 GMT"));
    }

    @Test
    void aFarFutureDateIsAHugeDelayNotAnErrorCappedAsDelaySecondsAre() {
        assertEquals(Optional.of(Duration.ofSeconds(RetryAfter.MAX_DELAY_SECONDS)), parse("Fri, 31 Dec 9999 23:59:59 GMT"),
                "the same cap as delay-seconds: the envelope's Retry-After says the same of the same wait");
        Optional<Duration> decades = parse("Sun, 06 Nov 2050 08:49:37 GMT");
        assertTrue(decades.isPresent() && decades.get().toDays() > 365L * 50
                && decades.get().getSeconds() < RetryAfter.MAX_DELAY_SECONDS, decades.toString());
    }

    @Test
    void subSecondClocksGiveSubSecondDelays() {
        Clock clock = Clock.fixed(Instant.parse("1994-11-06T08:49:36.250Z"), ZoneOffset.UTC);
        assertEquals(Optional.of(Duration.ofMillis(750)), RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", clock));
    }

    @Test
    void aLeapSecondIsTheNextSecond() {
        Clock clock = Clock.fixed(Instant.parse("2016-12-31T23:59:50Z"), ZoneOffset.UTC);
        assertEquals(Optional.of(Duration.ofSeconds(10)), RetryAfter.parse("Sat, 31 Dec 2016 23:59:60 GMT", clock));
    }

    @Test
    void twoDigitYearsMoreThanFiftyYearsAheadAreInThePast() {
        Clock clock = Clock.fixed(Instant.parse("2030-06-01T00:00:00Z"), ZoneOffset.UTC);
        // 99 would be 2099, more than 50 years ahead of 2030: it is 1999, in the past
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Friday, 31-Dec-99 23:59:59 GMT", clock));
        // 31 is 2031, ahead
        Optional<Duration> ahead = RetryAfter.parse("Sunday, 01-Jun-31 00:00:00 GMT", clock);
        assertEquals(Optional.of(Duration.ofDays(365)), ahead);
        // 80 is 2080, exactly 50 years ahead by the year: not more than 50, so still ahead
        assertEquals(Optional.of(Duration.between(clock.instant(), Instant.parse("2080-01-01T00:00:00Z"))),
                RetryAfter.parse("Monday, 01-Jan-80 00:00:00 GMT", clock));
    }

    @Test
    void twoDigitYearsUpToFiftyYearsAheadAreAheadInTheSecondHalfOfACentury() {
        Clock clock = Clock.fixed(Instant.parse("2060-06-01T00:00:00Z"), ZoneOffset.UTC);
        // 05 read as 2005 would be 55 years past, but 2105 is 45 years ahead, not more than 50: it is 2105
        assertEquals(Optional.of(Duration.between(clock.instant(), Instant.parse("2105-01-01T00:00:00Z"))),
                RetryAfter.parse("Monday, 01-Jan-05 00:00:00 GMT", clock));
        // 11 as 2111 would be 51 years ahead: it is 2011, in the past
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Saturday, 01-Jan-11 00:00:00 GMT", clock));
        // 61 is 2061, a year ahead
        assertEquals(Optional.of(Duration.ofDays(365)), RetryAfter.parse("Wednesday, 01-Jun-61 00:00:00 GMT", clock));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "   ", "soon", "-5", "+5", "1.5", "5s", "0x10", "5 5", "١٢",
            "Sun, 06 Nov 1994 08:49:37 UTC",              // only GMT is allowed
            "Sun, 06 Nov 1994 08:49:37",                  // no zone
            "sun, 06 nov 1994 08:49:37 GMT",              // names are case-sensitive
            "Sun, 6 Nov 1994 08:49:37 GMT",               // IMF-fixdate has a two-digit day
            "Sun, 31 Feb 1994 08:49:37 GMT",              // no such date
            "Sun, 06 Nov 1994 25:49:37 GMT",              // no such hour
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sunday, 06-Nov-1994 08:49:37 GMT",           // RFC 850 has a two-digit year
            "Sun Nov 6 08:49:37 1994",                    // asctime pads the day with a space
            "Sun, 06 Nov 1994 08:49:37 GMT trailing",
    })
    void garbageIsAbsent(String value) {
        assertEquals(Optional.empty(), parse(value));
    }

    @ParameterizedTest
    @ValueSource(strings = {"2147483648", "2147483649", "9223372036854775807", "99999999999999999999999",
            "000000000000000000000000002147483648"})
    void hugeDelaySecondsAreCappedNotDropped(String value) {
        assertEquals(Optional.of(Duration.ofSeconds(RetryAfter.MAX_DELAY_SECONDS)), parse(value));
    }

    @Test
    void leadingZerosDoNotMakeASmallDelayHuge() {
        assertEquals(Optional.of(Duration.ofSeconds(7)), parse("0000000000000000000000007"));
        assertEquals(Optional.of(Duration.ZERO), parse("0"));
    }

    @Test
    void nullIsAbsent() {
        assertEquals(Optional.empty(), parse(null));
    }

    /** The RFC's example date as the upstream's {@code Date}: a day ahead of {@link #CLOCK}, whatever it says. */
    private static final String SENDER_DATE = "Mon, 07 Nov 1994 08:49:07 GMT";

    @Test
    void aDateIsCountedFromTheSendersDateNotOurClock() {
        assertEquals("30", RetryAfter.againstSenderDate("Mon, 07 Nov 1994 08:49:37 GMT", SENDER_DATE, CLOCK));
        assertEquals("30", RetryAfter.againstSenderDate("Sat, 05 Nov 1994 08:49:37 GMT",
                "Sat, 05 Nov 1994 08:49:07 GMT", CLOCK), "a sender behind us");
        assertEquals(Optional.of(Duration.ofSeconds(30)),
                parse(RetryAfter.againstSenderDate("Mon, 07 Nov 1994 08:49:37 GMT", SENDER_DATE, CLOCK)),
                "30 s by the sender's clock, where ours would read a day and 30 s");
    }

    @Test
    void everyHttpDateFormCountsFromTheSendersDate() {
        assertEquals("30", RetryAfter.againstSenderDate("Monday, 07-Nov-94 08:49:37 GMT", SENDER_DATE, CLOCK));
        assertEquals("30", RetryAfter.againstSenderDate("Mon Nov  7 08:49:37 1994", SENDER_DATE, CLOCK));
        assertEquals("30", RetryAfter.againstSenderDate("Mon, 07 Nov 1994 08:49:37 GMT",
                "Monday, 07-Nov-94 08:49:07 GMT", CLOCK), "an obsolete Date too");
    }

    @Test
    void aDateNotAfterTheSendersIsZero() {
        assertEquals("0", RetryAfter.againstSenderDate(SENDER_DATE, SENDER_DATE, CLOCK));
        assertEquals("0", RetryAfter.againstSenderDate("Sun, 06 Nov 1994 08:49:37 GMT", SENDER_DATE, CLOCK));
    }

    @Test
    void aDateFarBeyondTheSendersIsCappedAsDelaySecondsAre() {
        assertEquals(Long.toString(RetryAfter.MAX_DELAY_SECONDS),
                RetryAfter.againstSenderDate("Fri, 31 Dec 9999 23:59:59 GMT", "Thu, 01 Jan 1970 00:00:00 GMT", CLOCK));
        assertEquals("0",
                RetryAfter.againstSenderDate("Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", CLOCK));
    }

    @ParameterizedTest
    @ValueSource(strings = {"120", " 7 ", "not a date", "", "Sun, 30 Feb 1994 08:49:37 GMT"})
    void anythingButADateIsLeftAsItCame(String value) {
        assertEquals(value, RetryAfter.againstSenderDate(value, SENDER_DATE, CLOCK));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "Mon, 07 Nov 1994 08:49:07 UTC", "Mon, 31 Nov 1994 08:49:07 GMT"})
    void aDateWithNoUsableSenderDateIsLeftForOurClock(String senderDate) {
        String date = "Sun, 06 Nov 1994 08:49:37 GMT";
        assertEquals(date, RetryAfter.againstSenderDate(date, senderDate, CLOCK));
        assertEquals(date, RetryAfter.againstSenderDate(date, null, CLOCK));
        assertEquals(null, RetryAfter.againstSenderDate(null, SENDER_DATE, CLOCK));
    }
}
