package dev.rampart.core.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.ReferenceCountUtil;

/**
 * Netty's PROXY protocol decoder, with a v2 header's declared length checked as soon as its first 16 bytes have
 * come. Netty checks the length only once that many bytes are there, so a peer that declares 65,535 bytes and
 * sends 16 held its connection for the whole {@code request-header-timeout}, counted as a timeout rather than
 * the malformed header it is.
 */
final class BoundedProxyProtocolDecoder extends HAProxyMessageDecoder {

    /** The fixed part of a v2 header: the 12-byte signature, version and command, family, and the length. */
    private static final int V2_FIXED_BYTES = 16;
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final int maxHeaderBytes;
    private final byte[] fixed = new byte[V2_FIXED_BYTES];
    private int seen;

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
        if (seen < V2_FIXED_BYTES && msg instanceof ByteBuf bytes) {
            int take = Math.min(V2_FIXED_BYTES - seen, bytes.readableBytes());
            bytes.getBytes(bytes.readerIndex(), fixed, seen, take);
            seen += take;
            if (seen == V2_FIXED_BYTES && isV2() && declaredBytes() > maxHeaderBytes) {
                ReferenceCountUtil.release(msg);
                throw new HAProxyProtocolException("a v2 header of " + declaredBytes() + " bytes, over "
                        + maxHeaderBytes);
            }
        }
        super.channelRead(ctx, msg);
    }

    private boolean isV2() {
        for (int i = 0; i < V2_SIGNATURE.length; i++) {
            if (fixed[i] != V2_SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private int declaredBytes() {
        return V2_FIXED_BYTES + ((fixed[14] & 0xFF) << 8 | fixed[15] & 0xFF);
    }
}
