package dev.rampart.server.observe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLoopStallReportTest {

    @Test
    void eachStallIsCountedAndARecoveryIsNot() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventLoopStallReport report = new EventLoopStallReport(registry);
        StackTraceElement[] stack = new Throwable().getStackTrace();
        report.stalled("rampart-io-3-1", Duration.ofMillis(1200), stack);
        report.recovered("rampart-io-3-1", Duration.ofMillis(3000));
        report.stalled("rampart-io-3-2", Duration.ofMillis(1100), new StackTraceElement[0]);
        assertEquals(2.0, registry.get("rampart.event.loop.stalls").counter().count());
    }

    @Test
    void theStackIsShownFromTheTopAndCutAfterTwentyFourFrames() {
        StackTraceElement[] stack = new StackTraceElement[30];
        for (int i = 0; i < stack.length; i++) {
            stack[i] = new StackTraceElement("Blocker", "frame" + i, "Blocker.java", i + 1);
        }
        String text = EventLoopStallReport.frames(stack);
        assertTrue(text.startsWith("\n\tat Blocker.frame0(Blocker.java:1)"), text);
        assertTrue(text.contains("frame23(") && !text.contains("frame24("), text);
        assertTrue(text.endsWith("\n\t... 6 more"), text);
        assertEquals(" (its thread is not known yet)", EventLoopStallReport.frames(new StackTraceElement[0]));
    }
}
