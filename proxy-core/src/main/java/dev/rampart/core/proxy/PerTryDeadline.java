package dev.rampart.core.proxy;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

/**
 * The per-try timeout of one upstream connection: from the moment the whole request is written until
 * the response head arrives. A kept-alive upstream connection carries one attempt at a time, so it
 * keeps one {@link LazyDeadline} (in a channel attribute) that every attempt on it re-arms, instead of
 * each attempt scheduling and cancelling a task of its own. Runs on the connection's event loop, which
 * is also the client's (connections are borrowed from the pool of the client's event loop).
 */
final class PerTryDeadline {

    private static final AttributeKey<PerTryDeadline> KEY =
            AttributeKey.valueOf(PerTryDeadline.class, "perTryDeadline");

    private final LazyDeadline deadline;
    private OriginAttempt attempt;

    private PerTryDeadline(Channel channel) {
        this.deadline = new LazyDeadline(channel.eventLoop(), this::expire);
    }

    /** The connection's deadline, created on first use. */
    static PerTryDeadline of(Channel channel) {
        Attribute<PerTryDeadline> attribute = channel.attr(KEY);
        PerTryDeadline existing = attribute.get();
        if (existing == null) {
            existing = new PerTryDeadline(channel);
            attribute.set(existing);
        }
        return existing;
    }

    /** The connection is closing or leaves HTTP: its pending task, if any, is removed. */
    static void cancelFor(Channel channel) {
        if (channel.hasAttr(KEY)) {
            PerTryDeadline existing = channel.attr(KEY).get();
            if (existing != null) {
                existing.attempt = null;
                existing.deadline.cancel();
            }
        }
    }

    /** {@code owner} has written its whole request: its response head is due within {@code timeoutNanos}. */
    void arm(OriginAttempt owner, long timeoutNanos) {
        attempt = owner;
        deadline.arm(timeoutNanos);
    }

    /** {@code owner} got its head or ended; an attempt that is no longer the owner changes nothing. */
    void disarm(OriginAttempt owner) {
        if (attempt == owner) {
            attempt = null;
            deadline.disarm();
        }
    }

    private void expire() {
        OriginAttempt expired = attempt;
        attempt = null;
        if (expired != null) {
            expired.onPerTryTimeout();
        }
    }
}
