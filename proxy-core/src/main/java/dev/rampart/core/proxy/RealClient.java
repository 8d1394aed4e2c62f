package dev.rampart.core.proxy;

import dev.rampart.core.config.AddressRange;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.NetUtil;

import java.util.List;

/**
 * The address a request comes from: the connection's peer, unless that peer is one of {@code trusted-proxies}
 * (a load balancer in front); then the nearest address in {@code X-Forwarded-For} that is not a trusted proxy,
 * read from the right, as nginx's {@code real_ip_recursive on} and Envoy's trusted hops do. Only the entries
 * the trusted proxies appended are believed: what a client wrote at the left of the list is reached only when
 * every proxy after it is trusted. An entry that is not an address ends the walk at the last one believed.
 */
final class RealClient {

    private RealClient() {
    }

    /**
     * @param peerIp  the connection's peer, as {@link ForwardedHeaders#clientIp} writes it
     * @param headers the request's headers
     * @param trusted the trusted proxies; empty: the peer is always the client
     * @return the client's address in normal form
     */
    static String of(String peerIp, HttpHeaders headers, List<AddressRange> trusted) {
        if (trusted.isEmpty()) {
            return peerIp;
        }
        byte[] peer = AddressRange.addressOf(peerIp);
        if (peer == null || !AddressRange.anyContains(trusted, peer)) {
            return peerIp;
        }
        List<String> lines = headers.getAll(ForwardedHeaders.X_FORWARDED_FOR);
        String client = peerIp;
        for (int line = lines.size() - 1; line >= 0; line--) {
            String[] entries = lines.get(line).split(",", -1);
            for (int i = entries.length - 1; i >= 0; i--) {
                byte[] address = AddressRange.addressOf(withoutPort(entries[i].trim()));
                if (address == null) {
                    return client;
                }
                client = NetUtil.bytesToIpAddress(address);
                if (!AddressRange.anyContains(trusted, address)) {
                    return client;
                }
            }
        }
        return client;
    }

    /** {@code 10.1.2.3:5678} and {@code [fd00::7]:5678} (as some load balancers write them) without the port. */
    private static String withoutPort(String entry) {
        if (entry.startsWith("[")) {
            int end = entry.indexOf(']');
            return end < 0 ? entry : entry.substring(1, end);
        }
        int colon = entry.indexOf(':');
        return colon > 0 && entry.indexOf(':', colon + 1) < 0 ? entry.substring(0, colon) : entry;
    }
}
