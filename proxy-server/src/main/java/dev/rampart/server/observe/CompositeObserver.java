package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.observe.ProxyProtocolFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Tells several observers about the same events, in order. A failing observer is a bug, but it must not
 * fail the exchange that reported to it nor starve the observers after it: its exception is caught and
 * logged (the first time with its stack trace, then once per {@value #LOG_EVERY} failures, so a bug on
 * the hot path cannot flood the log).
 */
public final class CompositeObserver implements ProxyObserver {

    static final long LOG_EVERY = 10_000;

    private static final Logger log = LoggerFactory.getLogger(CompositeObserver.class);

    private final ProxyObserver[] observers;
    private final AtomicLong failures = new AtomicLong();

    private CompositeObserver(ProxyObserver[] observers) {
        this.observers = observers;
    }

    /**
     * One observer for all of {@code observers}, leaving out {@link ProxyObserver#NOOP}: {@code NOOP} when
     * none is left, the observer itself when one is, else a composite.
     */
    public static ProxyObserver of(List<? extends ProxyObserver> observers) {
        ProxyObserver[] kept = observers.stream()
                .filter(o -> o != null && o != ProxyObserver.NOOP)
                .toArray(ProxyObserver[]::new);
        if (kept.length == 0) {
            return ProxyObserver.NOOP;
        }
        return kept.length == 1 ? kept[0] : new CompositeObserver(kept);
    }

    /** See {@link #of(List)}. */
    public static ProxyObserver of(ProxyObserver... observers) {
        return of(Arrays.asList(observers));
    }

    @Override
    public void onExchangeComplete(ExchangeRecord record) {
        each(o -> o.onExchangeComplete(record));
    }

    @Override
    public void onAttempt(String upstream, String endpoint, String outcome) {
        each(o -> o.onAttempt(upstream, endpoint, outcome));
    }

    @Override
    public void onRetry(String route, String cause) {
        each(o -> o.onRetry(route, cause));
    }

    @Override
    public void onRetrySkipped(String route, String why) {
        each(o -> o.onRetrySkipped(route, why));
    }

    @Override
    public void onClientConnection(int delta) {
        each(o -> o.onClientConnection(delta));
    }

    @Override
    public void onClientConnectionRefused() {
        each(ProxyObserver::onClientConnectionRefused);
    }

    @Override
    public void onPoolWait() {
        each(ProxyObserver::onPoolWait);
    }

    @Override
    public void onCompressionLimited() {
        each(ProxyObserver::onCompressionLimited);
    }

    @Override
    public void onClientTlsHandshakeFailed(String reason) {
        each(o -> o.onClientTlsHandshakeFailed(reason));
    }

    @Override
    public void onProxyProtocolFailed(ProxyProtocolFailure why) {
        each(o -> o.onProxyProtocolFailed(why));
    }

    @Override
    public void onKeySetFetch(boolean succeeded) {
        each(o -> o.onKeySetFetch(succeeded));
    }

    private void each(Consumer<ProxyObserver> event) {
        for (ProxyObserver observer : observers) {
            try {
                event.accept(observer);
            } catch (RuntimeException e) {
                long n = failures.incrementAndGet();
                if (n == 1 || n % LOG_EVERY == 0) {
                    log.error("observer {} failed ({} failure(s) so far)", observer.getClass().getName(), n, e);
                }
            }
        }
    }
}
