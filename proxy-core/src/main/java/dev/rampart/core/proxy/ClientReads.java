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
 *
 * <p>A read asked for while a read made here is still under way is not made at once but by the loop that
 * made that one, when it returns. The flow-control handler hands a held message over inside {@code read()},
 * so asking for the next message from inside the delivery of the last would nest one call chain per held
 * message: thousands of tiny chunks held while the upstream could take no more overflowed the event loop's
 * stack, which failed the client's next write and shut its connection's sending side.
 */
final class ClientReads {

    private final ChannelHandlerContext ctx;
    /** Flushes the request body written during the delivery that ended. */
    private final Runnable deliveryEnded;
    private boolean pending;
    /** How many deliveries are being handled: more than one when the loop hands held messages over inside one. */
    private int delivering;
    /** Inside {@link #readWhilePending}: a read asked for now is made by its loop. */
    private boolean reading;
    private long deliveries;

    ClientReads(ChannelHandlerContext ctx, Runnable deliveryEnded) {
        this.ctx = ctx;
        this.deliveryEnded = deliveryEnded;
    }

    /**
     * Asks for exactly one more message. The flow-control handler satisfies a read either with one message or
     * with a read-complete that brought none; {@link #readComplete} asks again then.
     */
    void request() {
        if (pending) {
            return;
        }
        pending = true;
        if (reading) {
            return; // the loop that is reading asks for it when its read returns, one frame up, not nested
        }
        boolean fromOutside = delivering == 0;
        readWhilePending(); // may hand over messages the flow-control handler held, before it returns
        if (fromOutside) {
            deliveryEnded.run(); // asked for from outside any delivery: what it handed over leaves now
        }
    }

    /** A message arrives: the read asked for is satisfied. Paired with {@link #delivered}. */
    void delivering() {
        pending = false;
        delivering++;
        deliveries++;
    }

    /** The message is handled. */
    void delivered() {
        delivering--;
    }

    /** Whether a message is being handled: body writes it makes are flushed when its read is complete. */
    boolean inDelivery() {
        return delivering > 0;
    }

    /** The connection's read is complete: what it delivered leaves, and a read still wanted is asked again. */
    void readComplete() {
        if (reading) {
            return; // the flow-control handler completes a read made by the loop, which goes on
        }
        // Asked again on a connection closed during the read too: the decoder hands over what it held (a head
        // cut short, as the request the access log records) when the close completes, and the flow-control
        // handler passes it on only to a read still asked for. io_uring reports the client's end of input within
        // the read that brought its last bytes, so the close comes before this read-complete, not after it.
        if (pending) {
            readWhilePending();
        }
        deliveryEnded.run();
    }

    /**
     * Reads as long as each read hands over a held message at once and its handling asks for another; stops
     * at a read that nothing held could satisfy, which stays asked for at the socket.
     */
    private void readWhilePending() {
        reading = true;
        try {
            while (pending) {
                long before = deliveries;
                ctx.read();
                if (deliveries == before) {
                    return;
                }
            }
        } finally {
            reading = false;
        }
    }
}
