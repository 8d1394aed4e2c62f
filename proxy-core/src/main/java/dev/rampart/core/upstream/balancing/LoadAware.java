package dev.rampart.core.upstream.balancing;

/**
 * An endpoint as load balancing sees it. Only least-request reads the load; the other policies
 * accept any {@code LoadAware} so that one upstream type serves every policy.
 */
public interface LoadAware {

    /** Requests in flight to this endpoint now; a racy read is fine, it only steers the choice. */
    int inFlight();
}
