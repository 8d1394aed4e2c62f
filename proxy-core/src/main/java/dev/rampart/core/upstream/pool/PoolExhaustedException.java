package dev.rampart.core.upstream.pool;

/** Too many acquisitions were already waiting for a connection to this endpoint. */
public final class PoolExhaustedException extends RuntimeException {
    public PoolExhaustedException(String endpoint) {
        super("connection pool of " + endpoint + " has too many waiting requests", null, false, false);
    }
}
