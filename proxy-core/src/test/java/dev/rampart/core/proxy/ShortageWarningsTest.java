package dev.rampart.core.proxy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.rampart.core.testing.LogCapture;
import io.netty.handler.codec.EncoderException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shortage is warned of at most once a second per kind and per proxy: a flood of requests hitting it makes one
 * line a second, one kind does not silence the other, and two proxies in one process (as in the tests) each warn
 * of their own. Each failure here carries a text of its own, so that warnings of other tests running meanwhile
 * are not counted.
 */
class ShortageWarningsTest {

    private static final long MILLIS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(5_000 * MILLIS);
    private final String tag = UUID.randomUUID().toString();

    @Test
    void aKindIsWarnedOfAtMostOnceASecond() {
        ShortageWarnings warnings = new ShortageWarnings(now::get);
        try (LogCapture logs = LogCapture.start()) {
            warnings.warn(ResourceShortage.MEMORY, failure("first"));
            now.addAndGet(999 * MILLIS);
            warnings.warn(ResourceShortage.MEMORY, failure("within the second"));
            assertEquals(List.of("first"), warned(logs));

            now.addAndGet(MILLIS);
            warnings.warn(ResourceShortage.MEMORY, failure("a second on"));
            assertEquals(List.of("first", "a second on"), warned(logs));
        }
    }

    @Test
    void oneKindDoesNotSilenceTheOther() {
        ShortageWarnings warnings = new ShortageWarnings(now::get);
        try (LogCapture logs = LogCapture.start()) {
            warnings.warn(ResourceShortage.MEMORY, failure("memory"));
            warnings.warn(ResourceShortage.FILE_DESCRIPTORS, failure("descriptors"));

            assertEquals(List.of("memory", "descriptors"), warned(logs));
            assertTrue(logs.dump().contains("out of file descriptors"), logs.dump());
        }
    }

    @Test
    void twoProxiesInOneProcessEachWarnOfTheirOwn() {
        ShortageWarnings one = new ShortageWarnings(now::get);
        ShortageWarnings other = new ShortageWarnings(now::get);
        try (LogCapture logs = LogCapture.start()) {
            one.warn(ResourceShortage.MEMORY, failure("one"));
            other.warn(ResourceShortage.MEMORY, failure("other"));

            assertEquals(List.of("one", "other"), warned(logs));
        }
    }

    @Test
    void runningOutOfMemoryIsAShortageWarnedWithoutAStackTraceAndAnythingElseABugLoggedWithOne() {
        ShortageWarnings warnings = new ShortageWarnings(now::get);
        try (LogCapture logs = LogCapture.start()) {
            assertTrue(warnings.reportFailure(LoggerFactory.getLogger(getClass()), "req-1",
                    new OutOfMemoryError(tag + " memory")));
            assertFalse(warnings.reportFailure(LoggerFactory.getLogger(getClass()), "req-2",
                    new IllegalStateException(tag + " bug")));

            ILoggingEvent shortage = ofThisTest(logs.warnings()).get(0);
            assertNull(shortage.getThrowableProxy(), "no stack trace for a shortage");
            ILoggingEvent bug = ofThisTest(logs.errors()).get(0);
            assertEquals("request req-2: unexpected failure inside the proxy", bug.getFormattedMessage());
            assertNotNull(bug.getThrowableProxy(), "a bug's stack trace is what finds it");
        }
    }

    @Test
    void anEncoderWrappingAnOutOfMemoryErrorIsAShortageToo() {
        ShortageWarnings warnings = new ShortageWarnings(now::get);
        try (LogCapture logs = LogCapture.start()) {
            // What Netty's HTTP encoder raises when a response head finds no direct memory for its buffer.
            assertTrue(warnings.reportFailure(LoggerFactory.getLogger(getClass()), "req-3",
                    new EncoderException(new OutOfMemoryError(tag + " failed to allocate 4194304 byte(s) of direct memory"))));
            assertEquals(List.of(), ofThisTest(logs.errors()), "no bug to report");
            assertEquals(1, ofThisTest(logs.warnings()).size(), logs.dump());

            Throwable looping = new IllegalStateException(tag + " a cause chain that loops");
            Throwable around = new RuntimeException(looping);
            looping.initCause(around);
            assertFalse(warnings.reportFailure(LoggerFactory.getLogger(getClass()), "req-4", around),
                    "a chain that loops ends, and holds no shortage");
        }
    }

    private Throwable failure(String what) {
        return new IOException(tag + " " + what);
    }

    /** What the warnings of this test named, in the order given. */
    private List<String> warned(LogCapture logs) {
        return logs.warnings().stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(tag))
                .map(m -> m.substring(m.indexOf(tag) + tag.length() + 1, m.lastIndexOf(')')))
                .toList();
    }

    private List<ILoggingEvent> ofThisTest(List<ILoggingEvent> events) {
        return events.stream()
                .filter(e -> e.getFormattedMessage().contains(tag)
                        || (e.getThrowableProxy() != null && e.getThrowableProxy().getMessage().contains(tag)))
                .toList();
    }
}
