package dev.rampart.core.proxy;

import io.netty.channel.ChannelHandlerContext;

/**
 * The reads of one client connection: one message at a time (auto-read is off and a flow-control handler
 * hands over one message per read), and the end of what the reads delivered, when the request-body writes
 * they caused leave for the upstream in one flush. A chunked upload of many small chunks then costs one
 * write per read from the client, not one per chunk.
 *
 * <p>What a read delivers ends in one of two ways: the connection's read-complete (the socket's data is
 * handled, or the flow-control handler's read is satisfied and no other was asked for), or, for a read asked
 * for outside any delivery (when the upstream can take more body again), the return of that request, during
 * which the flow-control handler hands over what it already held.
 */
final class ClientReads {

    private final ChannelHandlerContext ctx;
    /** Flushes the request body written during the delivery that ended. */
    private final Runnable deliveryEnded;
    private boolean pending;
    private boolean delivering;

    ClientReads(ChannelHandlerContext ctx, Runnable deliveryEnded) {
        this.ctx = ctx;
        this.deliveryEnded = deliveryEnded;
    }

    /**
     * Asks for exactly one more message. The flow-control handler satisfies a read either with one message or
     * with a read-complete that brought none; {@link #readComplete} asks again then.
     */
    void request() {
        if (!pending) {
            pending = true;
            boolean fromOutside = !delivering;
            ctx.read(); // may hand over a message the flow-control handler held, before it returns
            if (fromOutside) {
                deliveryEnded.run();
            }
        }
    }

    /** A message arrives: the read asked for is satisfied. Paired with {@link #delivered}. */
    void delivering() {
        pending = false;
        delivering = true;
    }

    /** The message is handled. */
    void delivered() {
        delivering = false;
    }

    /** Whether a message is being handled: body writes it makes are flushed when its read is complete. */
    boolean inDelivery() {
        return delivering;
    }

    /** The connection's read is complete: what it delivered leaves, and a read still wanted is asked again. */
    void readComplete() {
        if (pending && ctx.channel().isActive()) {
            ctx.read();
        }
        deliveryEnded.run();
    }
}
