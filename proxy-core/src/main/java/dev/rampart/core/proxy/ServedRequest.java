package dev.rampart.core.proxy;

import dev.rampart.core.routing.Route;
import io.netty.handler.codec.http.HttpRequest;

/**
 * The request a client connection is serving, from its head to its access-log line: the configuration it
 * is served under, its head, what is known of its outcome, and whether it counts as in flight. A drain waits
 * for every request in flight, so each one that {@link #begin begins} is {@link #end ended} exactly once,
 * and only after it is logged ({@link #reportAndEnd}).
 */
final class ServedRequest {

    private final ProxyRuntime runtime;
    /** The connection's peer. */
    private final String peerIp;
    /** The address the current request comes from: the peer, or the client a trusted proxy names ({@link RealClient}). */
    private String clientIp;
    private ProxySnapshot snapshot;
    private HttpRequest head;
    private ExchangeOutcome outcome;
    /** The largest body the request may have: its route's {@code max-request-body}, or the server's. */
    private long maxRequestBody;
    /** The route the current request matched, for the answers the proxy makes itself; null before routing. */
    private Route route;
    /** Between {@link ProxyRuntime#requestStarted()} and its {@link ProxyRuntime#requestEnded()}: one each. */
    private boolean inFlight;

    ServedRequest(ProxyRuntime runtime, String peerIp) {
        this.runtime = runtime;
        this.peerIp = peerIp;
        this.clientIp = peerIp;
    }

    /**
     * A new head arrived: it is in flight from now on, under the configuration current now, with its request
     * id and start time taken. Returns what becomes of it; a routed request's outcome names its route.
     */
    RequestAdmission begin(HttpRequest newHead) {
        snapshot = runtime.current();
        head = newHead;
        // Until this request has an outcome of its own, a failure must not be taken for the last one's: that
        // one would be logged a second time, and the failure under its request id. Nor may a failure before it
        // is routed answer or log it with the last one's route (its CORS headers) or client (a trusted proxy's
        // name for another request): the peer, and no route, until this request's own are known.
        outcome = null;
        route = null;
        clientIp = peerIp;
        inFlight = true;
        runtime.requestStarted();
        String requestId = snapshot.requestIdOf(newHead);
        long startMillis = System.currentTimeMillis();
        long startNanos = snapshot.ticker().read();
        // A head the decoder gave up on holds the fields before the fault only: none of them is believed.
        clientIp = newHead.decoderResult().isSuccess()
                ? RealClient.of(peerIp, newHead.headers(), snapshot.config().server().trustedProxies()) : peerIp;
        RequestAdmission admission = RequestAdmission.of(snapshot, newHead, runtime.refusing(), clientIp);
        outcome = ExchangeOutcome.of(startMillis, startNanos, requestId, clientIp, newHead, admission.originForm());
        Route route = admission.route();
        this.route = route;
        maxRequestBody = route != null ? route.config().maxRequestBody(snapshot.config().server())
                : snapshot.config().server().maxRequestBody();
        if (route != null) {
            outcome.route(route.name(), route.config().upstream().orElse(null));
        }
        return admission;
    }

    /**
     * The outcome of the request in flight, made now when {@link #begin} failed before it made one (a bug, or
     * no memory, while the request was admitted: routed, its token checked, its rate counted), so that the
     * request is still answered and logged, under an id of its own, with the path it came with.
     */
    ExchangeOutcome outcomeEvenIfBeginFailed() {
        if (outcome == null && head != null) {
            outcome = ExchangeOutcome.of(System.currentTimeMillis(), snapshot.ticker().read(),
                    snapshot.requestIdOf(head), clientIp, head, null);
        }
        return outcome;
    }

    long maxRequestBody() {
        return maxRequestBody;
    }

    /** The route the request matched; null when it matched none or was refused before routing. */
    Route route() {
        return route;
    }

    /**
     * Logs the request, and only then takes it out of flight: a drain that sees no request in flight has every
     * access-log line and every metric of the requests it waited for.
     */
    void reportAndEnd(long upstreamNanos) {
        try {
            runtime.observer().onExchangeComplete(outcome.toRecord(snapshot.ticker().read(), upstreamNanos));
        } finally {
            end();
        }
    }

    /** Takes the request out of flight, once; later calls do nothing. */
    void end() {
        if (inFlight) {
            inFlight = false;
            runtime.requestEnded();
        }
    }

    /** Its response is done with: the head is let go, the outcome stays for the connection's close. */
    void forgetHead() {
        head = null;
    }

    boolean inFlight() {
        return inFlight;
    }

    /** Whether a head has begun, so that its outcome (and, while it is not forgotten, its head) is known. */
    boolean hasHead() {
        return head != null && outcome != null;
    }

    String requestIdOrDash() {
        return hasHead() ? outcome.requestId() : "-";
    }

    ProxySnapshot snapshot() {
        return snapshot;
    }

    HttpRequest head() {
        return head;
    }

    ExchangeOutcome outcome() {
        return outcome;
    }

    /** The address the current request comes from (see {@link RealClient}). */
    String clientIp() {
        return clientIp;
    }

    /** The connection's peer: the client, or the trusted proxy in front of it. */
    String peerIp() {
        return peerIp;
    }
}
