package dev.rampart.core.upstream.pool;

import com.github.benmanes.caffeine.cache.Ticker;
import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The addresses an endpoint's name resolved to lately, so that its pool stops reusing connections to an address
 * the name has left: a Service's pods replaced, a Compose service recreated, an {@code /etc/hosts} line moved.
 * Without it a busy pool would keep its connections to the old address until {@code pool-max-connection-age},
 * and one that hangs there would time requests out and open the breaker of a name whose new address answers.
 * A name in use is asked again every {@link #REFRESH} (Envoy's {@code STRICT_DNS} default; the resolver answers
 * from its cache within the record's TTL), and only those answers count, not the lookups of new connections. An
 * address is left once it is missing from two answers in a row: a DNS server that answers with a different few
 * of many addresses each time (Consul, Route 53's multivalue answers) would otherwise have connections closed and
 * opened again at every answer. One per {@link EndpointPool}, on its event loop.
 */
final class LastAnswer {

    /** How often the name of a pool in use is resolved again. */
    static final Duration REFRESH = Duration.ofSeconds(5);

    private final Ticker ticker;
    /** The last two answers; until there are two, every connection is kept. */
    private Set<InetSocketAddress> latest;
    private Set<InetSocketAddress> previous;
    private long askedAt;
    private boolean asking;

    LastAnswer(Ticker ticker) {
        this.ticker = ticker;
        this.askedAt = ticker.read();
    }

    /**
     * A refresh's answer. An empty one (or a failed resolution, which never gets here) changes nothing: a name that
     * briefly does not resolve must not cost every pooled connection.
     */
    void took(List<InetSocketAddress> answer) {
        if (!answer.isEmpty()) {
            previous = latest;
            latest = Set.copyOf(answer);
        }
    }

    /** Whether {@code connection} goes to an address of either of the last two answers (or there are not two yet). */
    boolean has(Channel connection) {
        Set<InetSocketAddress> before = previous;
        SocketAddress remote = connection.remoteAddress();
        return before == null || !(remote instanceof InetSocketAddress) || latest.contains(remote)
                || before.contains(remote);
    }

    /** Whether the name is due to be resolved again; if so, it counts as being asked until {@link #asked}. */
    boolean askNow() {
        if (asking) {
            return false;
        }
        long now = ticker.read();
        if (now - askedAt < REFRESH.toNanos()) {
            return false;
        }
        asking = true;
        askedAt = now;
        return true;
    }

    /** The resolution {@link #askNow} started ended, answered or not. */
    void asked() {
        asking = false;
    }
}
