package dev.rampart.core.proxy;

import dev.rampart.core.testing.FakeUpstream;
import dev.rampart.core.testing.ProxyHarness;
import dev.rampart.core.testing.RawHttp;
import dev.rampart.core.testing.RecordedRequest;
import dev.rampart.core.testing.UpstreamBehavior;

import java.util.List;

/**
 * A fake upstream that echoes and records every request it receives, and the proxy with one catch-all route
 * in front of it: what the tests of forwarding and of refused requests compare the client's side against.
 * Start it per class or per test as the test needs fresh recordings; close it after.
 */
final class ProxiedEchoUpstream implements AutoCloseable {

    private final FakeUpstream upstream;
    private final ProxyHarness proxy;

    private ProxiedEchoUpstream(FakeUpstream upstream, ProxyHarness proxy) {
        this.upstream = upstream;
        this.proxy = proxy;
    }

    static ProxiedEchoUpstream start() {
        FakeUpstream upstream = FakeUpstream.start(UpstreamBehavior.echo());
        try {
            return new ProxiedEchoUpstream(upstream,
                    ProxyHarness.start(ProxyHarness.simple("\"" + upstream.authority() + "\"", "")));
        } catch (RuntimeException | Error e) {
            upstream.close();
            throw e;
        }
    }

    FakeUpstream upstream() {
        return upstream;
    }

    ProxyHarness proxy() {
        return proxy;
    }

    /** A raw-socket client connected to the proxy, for requests no well-behaved client would send. */
    RawHttp raw() {
        return proxy.raw();
    }

    /** How many requests the upstream has received so far: the mark for {@link #urisForwardedSince(int)}. */
    int forwardedCount() {
        return upstream.requests().size();
    }

    /** The requests the upstream received after the first {@code before}, in the order they arrived. */
    List<RecordedRequest> forwardedSince(int before) {
        List<RecordedRequest> all = upstream.requests();
        return all.subList(before, all.size());
    }

    /** The targets of the requests the upstream received after the first {@code before}, in order. */
    List<String> urisForwardedSince(int before) {
        return forwardedSince(before).stream().map(RecordedRequest::uri).toList();
    }

    /**
     * Sends {@code request} with {@link RefusedRequests#SMUGGLED} right behind it on one connection, and checks
     * that the proxy answers {@code status} with {@code reason}, closes, and forwards nothing of either.
     */
    void assertRefusedAndNothingForwarded(String request, int status, String reason) {
        int before = forwardedCount();
        try (RawHttp raw = proxy.raw()) {
            raw.send(request + RefusedRequests.SMUGGLED);
            RefusedRequests.assertRefusedThenClosed(raw, status, reason);
        }
        assertNothingForwardedSince(before);
    }

    /** Nothing beyond the first {@code before} requests reaches the upstream, checked for a while. */
    void assertNothingForwardedSince(int before) {
        RefusedRequests.assertNothingForwardedSince(upstream, before);
    }

    @Override
    public void close() {
        // The proxy first, so that it never forwards to an upstream already gone.
        proxy.close();
        upstream.close();
    }
}
