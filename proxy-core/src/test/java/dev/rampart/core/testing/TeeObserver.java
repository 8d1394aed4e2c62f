package dev.rampart.core.testing;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.observe.ProxyProtocolFailure;

/** Reports every event to {@code first}, then to {@code second} (each method of {@link ProxyObserver}). */
final class TeeObserver implements ProxyObserver {

    private final ProxyObserver first;
    private final ProxyObserver second;

    TeeObserver(ProxyObserver first, ProxyObserver second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        first.onExchangeComplete(record);
        second.onExchangeComplete(record);
    }

    @Override
    public void onAttempt(String upstream, String endpoint, String outcome) {
        first.onAttempt(upstream, endpoint, outcome);
        second.onAttempt(upstream, endpoint, outcome);
    }

    @Override
    public void onRetry(String route, String cause) {
        first.onRetry(route, cause);
        second.onRetry(route, cause);
    }

    @Override
    public void onRetrySkipped(String route, String why) {
        first.onRetrySkipped(route, why);
        second.onRetrySkipped(route, why);
    }

    @Override
    public void onClientConnection(int delta) {
        first.onClientConnection(delta);
        second.onClientConnection(delta);
    }

    @Override
    public void onClientConnectionRefused() {
        first.onClientConnectionRefused();
        second.onClientConnectionRefused();
    }

    @Override
    public void onClientTlsHandshakeFailed(String reason) {
        first.onClientTlsHandshakeFailed(reason);
        second.onClientTlsHandshakeFailed(reason);
    }

    @Override
    public void onCompressionLimited() {
        first.onCompressionLimited();
        second.onCompressionLimited();
    }

    @Override
    public void onPoolWait() {
        first.onPoolWait();
        second.onPoolWait();
    }

    @Override
    public void onProxyProtocolFailed(ProxyProtocolFailure why) {
        first.onProxyProtocolFailed(why);
        second.onProxyProtocolFailed(why);
    }

    @Override
    public void onKeySetFetch(boolean succeeded) {
        first.onKeySetFetch(succeeded);
        second.onKeySetFetch(succeeded);
    }
}
