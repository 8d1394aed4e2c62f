package dev.rampart.server;

import dev.rampart.core.config.LocatedConfig;
import dev.rampart.core.proxy.CannotListenException;

/**
 * The listener's or the admin port's socket refused at the start (a port in use, a port below 1024 without the
 * capability), told with the key it comes from and where that is written, as {@code --check} tells a host it could
 * not listen on, and as HAProxy names the {@code bind} line's file and line: the operator is sent to the line to
 * change, not left to find which of the ports it was.
 */
final class ListenerNotBound extends IllegalStateException {

    /** {@code rampart.server} or {@code rampart.admin}. */
    private final String section;
    private final CannotListenException refused;

    /** {@code thrown} as it was thrown (the admin server's names itself), {@code refused} in it. */
    ListenerNotBound(String section, Exception thrown, CannotListenException refused) {
        super(thrown.getMessage(), thrown);
        this.section = section;
        this.refused = refused;
    }

    /**
     * The one line after {@code rampart: cannot start: }: the host's key when the host is the reason, else the
     * port's, what it would listen on, why not, and where the key is written in {@code located} (a default, written
     * nowhere, by its key alone).
     */
    String describe(LocatedConfig located) {
        String key = section + (refused.addressNotHere() ? ".host" : ".port");
        return ListenerHosts.cannotListen(located, key, refused.on(), refused.why());
    }
}
