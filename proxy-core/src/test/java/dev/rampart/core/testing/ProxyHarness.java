package dev.rampart.core.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.rampart.core.config.ConfigLoader;
import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.observe.ProxyObserver;
import dev.rampart.core.proxy.ProxyListener;
import dev.rampart.core.proxy.ProxyRuntime;
import dev.rampart.core.proxy.Transport;
import dev.rampart.core.resilience.BreakerRegistry;
import io.netty.channel.EventLoopGroup;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The real proxy pipeline on a loopback port, started from HOCON text, for end-to-end tests.
 * {@link #config(String, String)} fills in a test-friendly skeleton around upstreams and routes.
 */
public final class ProxyHarness implements AutoCloseable {

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ProxyRuntime runtime;
    private final ProxyListener listener;
    public final RecordingObserver observer = new RecordingObserver();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final HttpClient client;

    private ProxyHarness(RampartConfig config) {
        this(config, Transport.detect(), ProxyObserver.NOOP);
    }

    private ProxyHarness(RampartConfig config, Transport transport, ProxyObserver extra) {
        this(config, transport, extra, Ticker.systemTicker());
    }

    private ProxyHarness(RampartConfig config, Transport transport, ProxyObserver extra, Ticker ticker) {
        acceptors = transport.newEventLoopGroup(1, "test-accept");
        workers = transport.newEventLoopGroup(2, "test-proxy");
        BreakerRegistry breakers = new BreakerRegistry(Ticker.systemTicker(), (upstream, endpoint, from, to) -> { });
        ProxyObserver observers = extra == ProxyObserver.NOOP ? observer : new TeeObserver(observer, extra);
        runtime = new ProxyRuntime(config, transport, workers, 2, breakers, observers, ticker, Clock.systemUTC());
        listener = ProxyListener.bind(runtime, acceptors);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Appended to a config: client connections go to the two event loops in turn, from one accepting thread (the
     * default, said for tests that place clients on loops: with each loop listening itself, the kernel's hash would).
     */
    public static final String CONNECTIONS_IN_TURN = "rampart.server { reuse-port = false }\n";

    /**
     * A connect-timeout for a TLS endpoint in a test whose subject is not the connect timeout: the first TLS handshake
     * of a test JVM (both sides set up cold) took over the default 1 s on a loaded machine, and the request failed
     * 504 UPSTREAM_CONNECT_TIMEOUT instead of showing what the test checks.
     */
    public static final Duration COLD_TLS_HANDSHAKE = Duration.ofSeconds(10);

    /** {@link #COLD_TLS_HANDSHAKE} as upstream settings, appended after an {@code https://} upstream's endpoints. */
    public static final String TLS_HANDSHAKE_TIME = ", connect-timeout = " + COLD_TLS_HANDSHAKE.toSeconds() + "s";

    /** Starts the proxy with a complete HOCON document. */
    public static ProxyHarness start(String hocon) {
        return new ProxyHarness(ConfigLoader.parse(hocon, "test.conf"));
    }

    /** Starts the proxy on the given transport (epoll or NIO), to test both where they differ. */
    public static ProxyHarness start(String hocon, Transport transport) {
        return new ProxyHarness(ConfigLoader.parse(hocon, "test.conf"), transport, ProxyObserver.NOOP);
    }

    /**
     * Starts the proxy with {@code extra} observing after {@link #observer}: an observer that misbehaves
     * (throws, say) is how a test reaches the proxy's handling of its own unexpected failures.
     */
    public static ProxyHarness start(String hocon, ProxyObserver extra) {
        return new ProxyHarness(ConfigLoader.parse(hocon, "test.conf"), Transport.detect(), extra);
    }

    /**
     * Starts the proxy with {@code ticker} as the clock of its exchanges and of its upstream connections'
     * ages: a test moves time by it, and a ticker that throws reaches failures no observer can, such as one
     * before a request has an exchange.
     */
    public static ProxyHarness start(String hocon, Ticker ticker) {
        return new ProxyHarness(ConfigLoader.parse(hocon, "test.conf"), Transport.detect(), ProxyObserver.NOOP, ticker);
    }

    /**
     * A config with listener and admin on port 0, access log off, and the given {@code upstreams { ... }}
     * body and {@code routes = [ ... ]} body.
     */
    public static String config(String upstreams, String routes) {
        return "rampart {\n"
                + "  server { host = \"127.0.0.1\", port = 0 }\n"
                + "  admin { port = 0 }\n"
                + "  access-log { enabled = false }\n"
                + "  upstreams {\n" + upstreams + "\n  }\n"
                + "  routes = [\n" + routes + "\n  ]\n"
                + "}\n";
    }

    /** One upstream {@code app} with these endpoints, one catch-all route with the given extra settings. */
    public static String simple(String endpoints, String routeExtras) {
        return config("app { endpoints = [" + endpoints + "] }",
                "{ name = default, match { path-prefix = \"/\" }, upstream = app\n" + routeExtras + "\n}");
    }

    public int port() {
        return listener.port();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpClient client() {
        return client;
    }

    public ProxyRuntime runtime() {
        return runtime;
    }

    public ProxyListener listener() {
        return listener;
    }

    public RawHttp raw() {
        return new RawHttp("127.0.0.1", port());
    }

    /** Stops the proxy; a second call does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listener.stopAccepting().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // As the server ends: connections, then upstream connections, while the loops still run. A loop shut
        // down with no quiet period may stop without closing a channel, and what is queued on it then leaks.
        io.netty.channel.group.ChannelGroupFuture clientsClosed = listener.connectionsClosed();
        listener.closeConnections();
        clientsClosed.awaitUninterruptibly(5, TimeUnit.SECONDS);
        runtime.close();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
