package dev.rampart.core.observe;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.rampart.core.testing.Await;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Generated request ids are version-4 UUIDs; a flood of warnings is one line at once and one count at its end. */
class GeneratedIdsAndWarningSpellsTest {

    private final EventExecutor timer = new DefaultEventExecutor();

    @AfterEach
    void stop() {
        timer.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void generatedIdsAreRandomVersion4UuidsOfTheIetfVariant() {
        for (int i = 0; i < 500; i++) {
            String id = RequestIds.generate();
            UUID uuid = UUID.fromString(id);
            assertEquals(4, uuid.version(), id);
            assertEquals(2, uuid.variant(), id + ": RFC 4122's variant (bits 10)");
            assertEquals(id, uuid.toString());
        }
    }

    @Test
    void aFloodOfWarningsIsLoggedOnceAtOnceAndCountedAtTheSpellsEnd() {
        WarningSpell spell = new WarningSpell(Duration.ofMillis(100));
        assertEquals(Duration.ofMillis(100), spell.length());
        AtomicInteger firsts = new AtomicInteger();
        List<Long> counts = new CopyOnWriteArrayList<>();

        for (int i = 0; i < 5; i++) {
            spell.occurred(timer, firsts::incrementAndGet, counts::add);
        }
        assertEquals(1, firsts.get(), "the first of the spell at once, the others counted");
        Await.until(() -> !counts.isEmpty(), "the spell's end");
        assertEquals(List.of(4L), counts, "the four after the first, in one line");

        spell.occurred(timer, firsts::incrementAndGet, counts::add);
        assertEquals(2, firsts.get(), "a new spell opens with its first event logged");
    }

    @Test
    void aSpellOfOneEventEndsWithoutACountAndLetsTheNextOneOpenASpell() throws Exception {
        WarningSpell spell = new WarningSpell(Duration.ofMillis(50));
        AtomicInteger firsts = new AtomicInteger();
        List<Long> counts = new CopyOnWriteArrayList<>();
        spell.occurred(timer, firsts::incrementAndGet, counts::add);
        timer.schedule(() -> { }, 150, TimeUnit.MILLISECONDS).sync(); // after the spell's end at 50 ms
        assertEquals(List.of(), counts, "no line for a count of zero");
        spell.occurred(timer, firsts::incrementAndGet, counts::add);
        assertEquals(2, firsts.get(), "the spell ended: the next event opens one and is logged");
    }

    @Test
    void aTimerThatIsShuttingDownLeavesNoSpellOpen() {
        EventExecutor ending = new DefaultEventExecutor();
        ending.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        WarningSpell spell = new WarningSpell(Duration.ofSeconds(60));
        AtomicInteger firsts = new AtomicInteger();
        spell.occurred(ending, firsts::incrementAndGet, count -> { });
        spell.occurred(ending, firsts::incrementAndGet, count -> { });
        assertEquals(2, firsts.get(), "each event logged: no spell could be timed");
    }
}
