package dev.rampart.core.upstream.pool;

/**
 * Receives what happens on a borrowed origin connection. Called on the connection's event loop,
 * which is also the client's.
 */
public interface OriginListener {

    /** A decoded response part; the listener owns it and must release it. */
    void onOriginMessage(Object msg);

    /** The connection closed. */
    void onOriginClosed();

    /** The pipeline raised an exception (decode failure, reset, TLS failure...). */
    void onOriginError(Throwable cause);

    /** The connection's writability changed; the listener resumes reading the request body when writable. */
    void onOriginWritabilityChanged(boolean writable);

    /**
     * The messages of one read from the connection have all been passed on: a listener that relays them
     * without flushing each one flushes now, so that a read of many small parts leaves in one write.
     */
    default void onOriginReadComplete() {
    }
}
