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
                String entry = entries[i].trim();
                if (entry.isEmpty()) {
                    continue; // "a, b," or "a,,b": an empty list element (RFC 9110 §5.6.1 lets recipients skip it)
                }
                String bare = withoutPort(entry);
                byte[] address = bare == null || bare.indexOf('%') >= 0 ? null : AddressRange.addressOf(bare);
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

    /**
     * {@code 10.1.2.3:5678} and {@code [fd00::7]:5678} (as some load balancers write them) without the port, and
     * {@code [fd00::7]} without its brackets (as RFC 7239's {@code Forwarded} writes IPv6, and nginx reads it); the
     * entry as it is when it has none; null when what follows the address is not a port (nginx refuses those too),
     * or the brackets hold no IPv6 address.
     */
    private static String withoutPort(String entry) {
        if (entry.startsWith("[")) {
            int end = entry.indexOf(']');
            int colon = entry.indexOf(':');
            if (end < 0 || colon < 0 || colon > end) {
                return null;
            }
            boolean bare = end == entry.length() - 1;
            return bare || entry.startsWith("]:", end) && isPort(entry.substring(end + 2))
                    ? entry.substring(1, end) : null;
        }
        int colon = entry.indexOf(':');
        if (colon < 0 || entry.indexOf(':', colon + 1) >= 0) {
            return entry; // IPv4 without a port, or IPv6
        }
        return isPort(entry.substring(colon + 1)) ? entry.substring(0, colon) : null;
    }

    private static boolean isPort(String text) {
        return text.matches("[0-9]{1,5}") && Integer.parseInt(text) <= 65535;
    }
}
