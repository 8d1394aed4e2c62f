package dev.rampart.core.testing;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.observe.ProxyProtocolFailure;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event the proxy reports, for assertions. */
public final class RecordingObserver implements ProxyObserver {

    public final List<ExchangeRecord> exchanges = new CopyOnWriteArrayList<>();
    public final List<String> attempts = new CopyOnWriteArrayList<>();
    public final List<String> retries = new CopyOnWriteArrayList<>();
    public final List<String> skipped = new CopyOnWriteArrayList<>();
    public final java.util.concurrent.atomic.AtomicInteger refusedConnections = new java.util.concurrent.atomic.AtomicInteger();
    /** Client connections open, as the active-connections gauge counts them. */
    public final java.util.concurrent.atomic.AtomicInteger openConnections = new java.util.concurrent.atomic.AtomicInteger();
    /** The reasons of failed client TLS handshakes, in order. */
    public final List<String> handshakeFailures = new CopyOnWriteArrayList<>();
    /** Why client connections were closed before their PROXY protocol header was read, in order. */
    public final List<ProxyProtocolFailure> proxyProtocolFailures = new CopyOnWriteArrayList<>();

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        exchanges.add(record);
    }

    @Override
    public void onAttempt(String upstream, String endpoint, String outcome) {
        attempts.add(outcome);
    }

    @Override
    public void onRetry(String route, String cause) {
        retries.add(cause);
    }

    @Override
    public void onRetrySkipped(String route, String why) {
        skipped.add(why);
    }

    @Override
    public void onClientConnection(int delta) {
        openConnections.addAndGet(delta);
    }

    @Override
    public void onClientConnectionRefused() {
        refusedConnections.incrementAndGet();
    }

    @Override
    public void onClientTlsHandshakeFailed(String reason) {
        handshakeFailures.add(reason);
    }

    @Override
    public void onProxyProtocolFailed(ProxyProtocolFailure why) {
        proxyProtocolFailures.add(why);
    }

    /** Waits (bounded) until {@code n} exchanges completed; the log line is written after the response. */
    public ExchangeRecord awaitExchange(int n) {
        Await.until(() -> exchanges.size() >= n, n + " completed exchanges");
        return exchanges.get(n - 1);
    }

    /**
     * Waits (bounded) for a completed exchange that {@code matches}: requests on different connections may be
     * recorded in another order than they were answered (a response reaches its client before its exchange is
     * recorded, and the next request may be on the other event loop).
     */
    public ExchangeRecord awaitExchange(java.util.function.Predicate<ExchangeRecord> matches, String what) {
        Await.until(() -> exchanges.stream().anyMatch(matches), what);
        return exchanges.stream().filter(matches).findFirst().orElseThrow();
    }
}
