package dev.rampart.core.proxy;

import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.observe.WarningSpell;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Tells the operator that a configured regex gave up on a request's path ({@link RegexBudget}): the first of a spell
 * of 10 s at once, with the regex and why, the rest counted in one line, since a client can send such paths as fast
 * as it likes.
 */
final class RegexGiveUps {

    private static final Logger log = LoggerFactory.getLogger(RegexGiveUps.class);
    private static final WarningSpell SPELL = new WarningSpell(Duration.ofSeconds(10));

    private RegexGiveUps() {
    }

    static void occurred(RegexBudget.GaveUp gaveUp, String route) {
        SPELL.occurred(GlobalEventExecutor.INSTANCE,
                () -> log.warn("{}{}; the request was answered 500 PATH_REGEX_GAVE_UP (anchor the regex with ^ and keep"
                        + " repetition to single characters, e.g. [^/]+, rather than groups)",
                        route == null ? "while routing, " : "route " + route + ": ", gaveUp.getMessage()),
                more -> log.warn("{} more request{} answered 500 in the last {}s: a regex gave up on the path", more,
                        more == 1 ? " was" : "s were", SPELL.length().toSeconds()));
    }
}
