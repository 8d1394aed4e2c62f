package dev.rampart.server.observe;

import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.observe.ProxyProtocolFailure;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

class CompositeObserverTest {

    private static final ExchangeRecord RECORD = new ExchangeRecord(0, "id", "c", "GET", "/", 200, null, "r", "u",
            "e", 1, 0, 0, 1, 1);

    @Test
    void everyEventReachesEveryObserverInOrder() {
        List<String> seen = new ArrayList<>();
        ProxyObserver composite = CompositeObserver.of(recording("a", seen), recording("b", seen));
        assertInstanceOf(CompositeObserver.class, composite);

        composite.onExchangeComplete(RECORD);
        composite.onAttempt("u", "e", "success");
        composite.onRetry("r", "reset");
        composite.onRetrySkipped("r", "budget");
        composite.onClientConnection(1);
        composite.onProxyProtocolFailed(ProxyProtocolFailure.TIMEOUT);

        assertEquals(List.of("a:exchange", "b:exchange", "a:attempt u e success", "b:attempt u e success",
                "a:retry r reset", "b:retry r reset", "a:skipped r budget", "b:skipped r budget",
                "a:connection 1", "b:connection 1", "a:proxy-protocol timeout", "b:proxy-protocol timeout"), seen);
    }

    @Test
    void everyEventOfTheInterfaceIsForwarded() throws NoSuchMethodException {
        // An event the composite does not override falls to the interface's no-op: the server's observers behind
        // it (the metrics, the access log) would never hear of it.
        for (Method event : ProxyObserver.class.getDeclaredMethods()) {
            if (Modifier.isStatic(event.getModifiers()) || event.isSynthetic()) {
                continue;
            }
            assertEquals(CompositeObserver.class,
                    CompositeObserver.class.getMethod(event.getName(), event.getParameterTypes()).getDeclaringClass(),
                    event.getName() + " is not forwarded by the composite");
        }
    }

    @Test
    void aFailingObserverDoesNotStopTheOthersNorTheCaller() {
        List<String> seen = new ArrayList<>();
        ProxyObserver failing = new ProxyObserver() {
            @Override
            public void onExchangeComplete(ExchangeRecord record) {
                throw new IllegalStateException("bug");
            }
        };
        ProxyObserver composite = CompositeObserver.of(failing, recording("b", seen));
        composite.onExchangeComplete(RECORD);
        composite.onExchangeComplete(RECORD);
        assertEquals(List.of("b:exchange", "b:exchange"), seen);
    }

    @Test
    void noopsAreLeftOutAndTrivialCompositesCollapse() {
        ProxyObserver only = recording("a", new ArrayList<>());
        assertSame(ProxyObserver.NOOP, CompositeObserver.of());
        assertSame(ProxyObserver.NOOP, CompositeObserver.of(ProxyObserver.NOOP, ProxyObserver.NOOP));
        assertSame(only, CompositeObserver.of(ProxyObserver.NOOP, only));
        assertSame(only, CompositeObserver.of(List.of(only)));
    }

    private static ProxyObserver recording(String name, List<String> seen) {
        return new ProxyObserver() {
            @Override
            public void onExchangeComplete(ExchangeRecord record) {
                seen.add(name + ":exchange");
            }

            @Override
            public void onAttempt(String upstream, String endpoint, String outcome) {
                seen.add(name + ":attempt " + upstream + " " + endpoint + " " + outcome);
            }

            @Override
            public void onRetry(String route, String cause) {
                seen.add(name + ":retry " + route + " " + cause);
            }

            @Override
            public void onRetrySkipped(String route, String why) {
                seen.add(name + ":skipped " + route + " " + why);
            }

            @Override
            public void onClientConnection(int delta) {
                seen.add(name + ":connection " + delta);
            }

            @Override
            public void onProxyProtocolFailed(ProxyProtocolFailure why) {
                seen.add(name + ":proxy-protocol " + why.label());
            }
        };
    }
}
