package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Netty's PROXY protocol decoder, with a v2 header's declared length checked as soon as its first 16 bytes have
 * come, and a v1 line held to the specification's grammar. Netty checks the length only once that many bytes are
 * there, so a peer that declares 65,535 bytes and sends 16 held its connection for the whole
 * {@code request-header-timeout}, counted as a timeout rather than the malformed header it is. And Netty splits a
 * v1 line on spaces and parses each part leniently, so it took lines the specification says to discard (a
 * trailing space, a signed port, an IPv6 zone or brackets, an IPv4 number with a leading zero, 108 bytes), which
 * HAProxy refuses.
 */
final class BoundedProxyProtocolDecoder extends HAProxyMessageDecoder {

    /** The fixed part of a v2 header: the 12-byte signature, version and command, family, and the length. */
    private static final int V2_FIXED_BYTES = 16;
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** The longest v1 line, its CRLF included (proxy-protocol.txt §2.1). */
    private static final int V1_MAX_BYTES = 107;
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /**
     * An IPv4 address's numbers, without leading zeros: HAProxy reads v1 addresses with {@code inet_pton}, which
     * refuses {@code 010.0.0.1} (others read it as octal, 8.0.0.1: two readers that disagree on the client).
     */
    private static final String V1_IPV4 = "(?:(?:0|[1-9][0-9]{0,2})\\.){3}(?:0|[1-9][0-9]{0,2})";
    /** An IPv6 address, its last 32 bits perhaps written as IPv4 ({@code ::ffff:10.0.0.1}), held to the same rule. */
    private static final String V1_IPV6 = "(?:[0-9A-Fa-f:]+|[0-9A-Fa-f:]*:" + V1_IPV4 + ")";
    /**
     * A v1 line as §2.1 writes it: single spaces, decimal ports without a sign, addresses without zone or brackets
     * (their values are Netty's to check); anything up to the CRLF after {@code UNKNOWN}, which the receiver ignores.
     */
    private static final Pattern V1_LINE = Pattern.compile("PROXY (?:TCP4 " + V1_IPV4 + " " + V1_IPV4
            + " [0-9]{1,5} [0-9]{1,5}|TCP6 " + V1_IPV6 + " " + V1_IPV6 + " [0-9]{1,5} [0-9]{1,5}|UNKNOWN[^\r\n]*)\r\n");

    private final int maxHeaderBytes;
    /** The connection's first bytes, as many as either check needs. */
    private final byte[] first = new byte[V1_MAX_BYTES];
    private int seen;
    private boolean checked;

    /**
     * @param maxTlvBytes    TLV bytes allowed beside the address block, as Netty's own limit
     * @param maxHeaderBytes the longest whole v2 header taken
     */
    BoundedProxyProtocolDecoder(int maxTlvBytes, int maxHeaderBytes) {
        super(maxTlvBytes);
        this.maxHeaderBytes = maxHeaderBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!checked && msg instanceof ByteBuf bytes) {
            int take = Math.min(V1_MAX_BYTES - seen, bytes.readableBytes());
            bytes.getBytes(bytes.readerIndex(), first, seen, take);
            seen += take;
            String problem = problem();
            if (problem != null) {
                ReferenceCountUtil.release(msg);
                throw new HAProxyProtocolException(problem);
            }
        }
        super.channelRead(ctx, msg);
    }

    /** What is wrong with the header so far, or null; sets {@link #checked} once there is nothing more to check. */
    private String problem() {
        if (startsWith(V2_SIGNATURE)) {
            if (seen < V2_FIXED_BYTES) {
                return null;
            }
            checked = true;
            return declaredBytes() > maxHeaderBytes
                    ? "a v2 header of " + declaredBytes() + " bytes, over " + maxHeaderBytes : null;
        }
        if (!startsWith(V1_SIGNATURE)) {
            checked = true; // not a header: Netty's decoder says so, as before
            return null;
        }
        for (int i = 0; i < seen; i++) {
            if (first[i] == '\n') {
                checked = true;
                String line = new String(first, 0, i + 1, StandardCharsets.US_ASCII);
                return V1_LINE.matcher(line).matches() ? null
                        : "a v1 header the specification does not allow: " + line.strip();
            }
        }
        if (seen == V1_MAX_BYTES) {
            checked = true;
            return "a v1 header without its end in " + V1_MAX_BYTES + " bytes";
        }
        return null;
    }

    /** Whether the bytes seen so far, at least one, agree with {@code signature} as far as both go. */
    private boolean startsWith(byte[] signature) {
        if (seen == 0) {
            return false;
        }
        for (int i = 0; i < Math.min(seen, signature.length); i++) {
            if (first[i] != signature[i]) {
                return false;
            }
        }
        return true;
    }

    private int declaredBytes() {
        return V2_FIXED_BYTES + ((first[14] & 0xFF) << 8 | first[15] & 0xFF);
    }
}
