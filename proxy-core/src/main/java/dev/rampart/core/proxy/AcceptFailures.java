package dev.rampart.core.proxy;

import dev.rampart.core.observe.WarningSpell;
import dev.rampart.core.resilience.FailureClassifier;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The listener's handler for accepts that fail because the process (or the host) is out of file descriptors:
 * accepting pauses for {@link #PAUSE}, as Netty's own acceptor pauses it, and the failures are told as one WARN
 * that says what to do, then one line per 10 s with the count of failed accepts, instead of Netty's WARN with a
 * stack trace for each. While connections wait in the backlog every accept fails at once, thousands of times a
 * second without the pause, and one line each would fill a disk or a log pipe (nginx logs its
 * {@code accept4() failed} at most twice a second).
 * Connections already open are served meanwhile, and accepting resumes once descriptors are free. One per
 * listener (the proxy's, the admin server's), on its accepting event loop.
 */
public final class AcceptFailures extends ChannelInboundHandlerAdapter {

    /** How long accepting pauses after such a failure: as long as Netty's acceptor pauses it. */
    static final Duration PAUSE = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(AcceptFailures.class);
    private final WarningSpell spell = new WarningSpell(Duration.ofSeconds(10));
    /** What the listener accepts, for the log: "client connections", "admin connections". */
    private final String accepted;
    private boolean paused;

    public AcceptFailures(String accepted) {
        this.accepted = accepted;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!FailureClassifier.isLocalResourceExhaustion(cause)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (!paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                paused = false;
                ctx.channel().config().setAutoRead(true);
            }, PAUSE.toMillis(), TimeUnit.MILLISECONDS);
        }
        spell.occurred(ctx.executor(),
                () -> log.warn("cannot accept {}: {}; accepting pauses for {} s at a time until"
                        + " descriptors are free (connections already open are served). Raise the open-files limit"
                        + " (ulimit -n, LimitNOFILE=, the container's nofile) above server.max-connections plus the"
                        + " upstream pools' max-connections-per-endpoint", accepted, cause.getMessage(),
                        PAUSE.toSeconds()),
                more -> log.warn("accepting {} failed {} more times for lack of file descriptors in the last 10 s"
                        + " (about once per pause; the connections waiting are not counted)", accepted, more));
    }
}
