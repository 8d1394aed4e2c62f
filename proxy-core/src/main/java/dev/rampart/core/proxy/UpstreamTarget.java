package dev.rampart.core.proxy;

import dev.rampart.core.config.RegexBudget;
import dev.rampart.core.routing.Route;

/**
 * The request target a routed request goes upstream with, worked out once for both who need it: the
 * check for ambiguous paths ({@link AmbiguousPaths}) and the head the upstream gets ({@link ExchangeFactory}).
 * A rewrite works on the path the route matched, escaped slashes decoded (as nginx's {@code proxy_pass}
 * with a URI forwards it); without one, the target goes as it came, {@code %2F} kept.
 */
final class UpstreamTarget {

    private final String received;
    private final String routed;
    private final String rewritten;
    private final String removedPrefix;

    private UpstreamTarget(String received, String routed, String rewritten, String removedPrefix) {
        this.received = received;
        this.routed = routed;
        this.rewritten = rewritten;
        this.removedPrefix = removedPrefix;
    }

    /** {@code uri} (origin-form, normalised) as {@code route} sends it on; a regex rewrite spends {@code budget}. */
    static UpstreamTarget of(String uri, Route route, RegexBudget budget) {
        String routed = RequestTarget.routingForm(uri);
        String rewritten = route.rewritePath(routed, budget); // routed itself when not rewritten
        return new UpstreamTarget(uri, routed, rewritten, rewritten == routed ? null : route.removedPrefix(routed));
    }

    /** The path prefix the rewrite removed, for {@code X-Forwarded-Prefix}; null when it removed none. */
    String removedPrefix() {
        return removedPrefix;
    }

    /** The target as routing saw it (see {@link RequestTarget#routingForm}). */
    String routed() {
        return routed;
    }

    /** Whether the route's rewrite changed the path. */
    boolean rewritten() {
        return rewritten != routed;
    }

    /** The rewritten target before it is normalised again: what a rewrite made of the path. */
    String rewrittenRaw() {
        return rewritten;
    }

    /** What the upstream gets: the target as received, or as rewritten, in normal form. */
    String forUpstream() {
        return rewritten() ? RequestTarget.afterRewrite(rewritten) : received;
    }
}
