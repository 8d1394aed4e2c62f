package dev.rampart.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * What the {@link EventLoopWatchdog} finds, told to operators: a WARN with the stuck thread's stack (the call
 * that blocks it is what to fix), an INFO when it turns again, and {@code rampart_event_loop_stalls_total}.
 */
public final class EventLoopStallReport implements EventLoopWatchdog.Listener {

    private static final Logger log = LoggerFactory.getLogger(EventLoopWatchdog.class);
    /** Enough to show the blocking call and what called it, without a page of Netty's frames below. */
    private static final int FRAMES_SHOWN = 24;

    private final Counter stalls;

    public EventLoopStallReport(MeterRegistry registry) {
        stalls = Counter.builder("rampart.event.loop.stalls")
                .description("Times an event loop did not turn for over a second; its connections waited meanwhile")
                .register(registry);
    }

    @Override
    public void stalled(String thread, Duration stalledFor, StackTraceElement[] stack) {
        stalls.increment();
        log.warn("event loop {} has not turned for {} ms: its connections wait, and its requests' timers with"
                + " them; it is at{}", thread, stalledFor.toMillis(), frames(stack));
    }

    @Override
    public void recovered(String thread, Duration stalledFor) {
        log.info("event loop {} turned again after {} ms", thread, stalledFor.toMillis());
    }

    static String frames(StackTraceElement[] stack) {
        if (stack.length == 0) {
            return " (its thread is not known yet)";
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(stack.length, FRAMES_SHOWN); i++) {
            text.append("\n\tat ").append(stack[i]);
        }
        if (stack.length > FRAMES_SHOWN) {
            text.append("\n\t... ").append(stack.length - FRAMES_SHOWN).append(" more");
        }
        return text.toString();
    }
}
