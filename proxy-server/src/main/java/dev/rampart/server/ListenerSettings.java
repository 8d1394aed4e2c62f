package dev.rampart.server;

import dev.rampart.core.config.RampartConfig;
import dev.rampart.core.config.ServerConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The settings a reload cannot apply: the sockets the process listens on, and whether the listener
 * speaks TLS. Everything else in {@code server} (limits, timeouts, shutdown-grace, the certificate and
 * key files of a TLS listener) applies to new connections and requests.
 */
final class ListenerSettings {

    private ListenerSettings() {
    }

    /** The restart-only keys whose value differs between the running config and {@code loaded}. */
    static List<String> changed(RampartConfig running, RampartConfig loaded) {
        List<String> keys = new ArrayList<>();
        if (!running.server().host().equals(loaded.server().host())) {
            keys.add("server.host");
        }
        if (running.server().port() != loaded.server().port()) {
            keys.add("server.port");
        }
        if (running.server().reusePort() != loaded.server().reusePort()) {
            keys.add("server.reuse-port");
        }
        if (running.server().tls().isPresent() != loaded.server().tls().isPresent()) {
            keys.add("server.tls"); // plain to TLS or back; new files for a TLS listener are read on reload
        }
        if (!running.admin().host().equals(loaded.admin().host())) {
            keys.add("admin.host");
        }
        if (running.admin().port() != loaded.admin().port()) {
            keys.add("admin.port");
        }
        return keys;
    }

    /**
     * {@code loaded} with the running listeners' settings, so that the config in force (and
     * {@code /admin/routes}) says where the process really listens.
     */
    static RampartConfig keptFrom(RampartConfig running, RampartConfig loaded) {
        ServerConfig was = running.server();
        ServerConfig now = loaded.server();
        var tls = was.tls().isPresent() == now.tls().isPresent() ? now.tls() : was.tls();
        ServerConfig server = new ServerConfig(was.host(), was.port(), tls, now.maxConnections(),
                now.idleTimeout(), now.requestHeaderTimeout(), now.requestBodyTimeout(), now.maxInitialLine(),
                now.maxHeaderSize(), now.maxRequestBody(), now.shutdownGrace(), now.lingeringTimeout(),
                now.lingeringTime(), now.maxReplayMemory(), now.trustedProxies(), now.maxRequestsPerConnection(),
                now.proxyProtocol(), now.proxyProtocolFrom(), now.maxHeaderCount(), now.maxCompressedResponses(),
                now.refusedMethods(), was.reusePort());
        return new RampartConfig(server, running.admin(), loaded.requestId(), loaded.accessLog(), loaded.upstreams(),
                loaded.rateLimits(), loaded.routes());
    }
}
