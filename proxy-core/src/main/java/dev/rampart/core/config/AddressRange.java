package dev.rampart.core.config;

import io.netty.util.NetUtil;

import java.util.Arrays;
import java.util.List;

/**
 * An IP address or a network in CIDR notation ({@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code fd00::/8}), as a
 * route's {@code allow-from} lists them. An IPv4 client reached over an IPv6 socket ({@code ::ffff:10.1.2.3}) is
 * matched as the IPv4 address it is.
 *
 * @param network the network's address bytes (4 or 16), with every bit past the prefix zero
 * @param prefix  how many leading bits of an address must equal the network's
 */
public record AddressRange(byte[] network, int prefix) {

    /**
     * Parses a range as written in the config, without any name lookup. An IPv4-mapped IPv6 address
     * ({@code ::ffff:10.0.0.0/104}) is the IPv4 range it maps ({@code 10.0.0.0/8}); an IPv4 address is four decimal
     * numbers without leading zeros, as for endpoints, since resolvers read {@code 010} as octal.
     *
     * @throws IllegalArgumentException with a message that says what was expected
     */
    public static AddressRange parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = address.indexOf(':') >= 0 ? ipv6(text, address) : ipv4(text, address);
        boolean mapped = bytes.length == 4 && address.indexOf(':') >= 0;
        int bits = mapped ? 128 : bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = trimmed.substring(slash + 1);
            if (!length.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(length) > bits) {
                throw new IllegalArgumentException("\"" + text + "\": the prefix length after / must be 0-" + bits);
            }
            prefix = Integer.parseInt(length);
        }
        if (mapped) {
            if (prefix < 96) {
                throw new IllegalArgumentException("\"" + text + "\": an IPv4-mapped network (::ffff:a.b.c.d) takes a"
                        + " prefix length of 96-128; the IPv4 network it maps is written a.b.c.d/0-32");
            }
            prefix -= 96;
        }
        byte[] network = masked(bytes, prefix);
        if (!Arrays.equals(network, bytes)) {
            // nginx only warns ("low address bits … are meaningless"); a typo for a single address is likelier.
            throw new IllegalArgumentException("\"" + text + "\" has bits set past its /" + prefix + ": the network is "
                    + NetUtil.bytesToIpAddress(network) + "/" + prefix + ", a single address is written without /");
        }
        return new AddressRange(network, prefix);
    }

    private static byte[] ipv4(String text, String address) {
        if (!EndpointAddress.isIpv4Literal(address)) {
            throw notAnAddress(text);
        }
        return NetUtil.createByteArrayFromIpAddressString(address);
    }

    /**
     * An IPv6 literal in any form RFC 4291 allows (groups of one to four hex digits, an IPv4 tail included); a mapped
     * one as its 4 IPv4 bytes. Read as a client's address is read ({@link #addressOf}), so that a list holds what
     * a forwarding header can name: the JDK's parser also takes longer groups ({@code 2001:00db8::}) and an IPv4 tail
     * with leading zeros ({@code ::ffff:010.0.0.1}), which the IPv4 form refuses, since resolvers read it as octal.
     */
    private static byte[] ipv6(String text, String address) {
        if (address.indexOf('%') >= 0 || address.indexOf('[') >= 0 || address.indexOf(']') >= 0) {
            throw notAnAddress(text); // Netty's parser would drop a zone and brackets rather than refuse them
        }
        String tail = address.substring(address.lastIndexOf(':') + 1);
        byte[] bytes = tail.indexOf('.') < 0 || EndpointAddress.isIpv4Literal(tail) ? addressOf(address) : null;
        if (bytes == null) {
            throw notAnAddress(text);
        }
        return bytes;
    }

    private static IllegalArgumentException notAnAddress(String text) {
        return new IllegalArgumentException("\"" + text + "\" is not an IP address or a network (expected e.g."
                + " 10.0.0.0/8, 192.168.1.7 or fd00::/8; names are not looked up, IPv6 is written without brackets"
                + " or a zone, IPv4 without leading zeros)");
    }

    /**
     * The bytes of an address as a peer or a forwarding header gives it ({@code 10.1.2.3}, {@code fd00::7}), an
     * IPv4-mapped one as its IPv4 address; null when it is not an IP address. Never looks a name up.
     */
    public static byte[] addressOf(String text) {
        byte[] bytes = literalBytes(text);
        return bytes == null ? null : unmapped(bytes);
    }

    /**
     * An IPv6 address (no brackets, no zone) in the form a route's {@code match.host} holds it and a client's
     * {@code Host} is compared with: RFC 5952's short form ({@code ::1}, never {@code 0:0:0:0:0:0:0:1}), lower
     * case; one with an IPv4 tail as written, lower case ({@code ::ffff:192.0.2.1}, as RFC 5952 §5 has clients
     * write it, not {@code ::ffff:c000:201}). Null when it is not an IPv6 address.
     */
    public static String hostLiteral(String address) {
        byte[] bytes = address.indexOf('%') < 0 ? literalBytes(address) : null;
        if (bytes == null || bytes.length != 16) {
            return null;
        }
        return address.indexOf('.') >= 0 ? address.toLowerCase(java.util.Locale.ROOT) : NetUtil.bytesToIpAddress(bytes);
    }

    /**
     * The 4 or 16 bytes of an IP address written as text, as RFC 4291 writes it; null when it is not one. Never
     * looks a name up. Netty's parser, used for the rest, makes any IPv6 address with an IPv4 tail and no other
     * bits an IPv4-mapped one ({@code ::10.1.2.3}, an IPv6 address glibc writes so, would be the IPv4 client
     * 10.1.2.3) and refuses other prefixes ({@code 64:ff9b::10.1.2.3}, NAT64's): that form is read here.
     */
    public static byte[] literalBytes(String text) {
        int lastColon = text.lastIndexOf(':');
        if (lastColon < 0 || text.indexOf('.', lastColon) < 0) {
            return NetUtil.createByteArrayFromIpAddressString(text);
        }
        String tail = text.substring(lastColon + 1);
        byte[] head = NetUtil.createByteArrayFromIpAddressString(text.substring(0, lastColon + 1) + "0:0");
        if (head == null || head.length != 16 || !NetUtil.isValidIpV4Address(tail)) {
            return null;
        }
        System.arraycopy(NetUtil.createByteArrayFromIpAddressString(tail), 0, head, 12, 4);
        return head;
    }

    /** Whether any of {@code ranges} holds {@code address} (as {@link #addressOf} gives it). */
    public static boolean anyContains(List<AddressRange> ranges, byte[] address) {
        for (int i = 0; i < ranges.size(); i++) {
            if (ranges.get(i).contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code address} (4 or 16 bytes, as {@code InetAddress.getAddress()} gives it) is in this range. */
    public boolean contains(byte[] address) {
        byte[] a = unmapped(address);
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        return rest == 0 || ((a[full] ^ network[full]) & (0xFF << (8 - rest)) & 0xFF) == 0;
    }

    /** An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) as its IPv4 address; any other as it is. */
    private static byte[] unmapped(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        return address[10] == (byte) 0xFF && address[11] == (byte) 0xFF ? Arrays.copyOfRange(address, 12, 16) : address;
    }

    private static byte[] masked(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof AddressRange r && r.prefix == prefix && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** As written in the config, in normal form: {@code 10.0.0.0/8}, a single address without its prefix. */
    @Override
    public String toString() {
        String address = NetUtil.bytesToIpAddress(network);
        return prefix == network.length * 8 ? address : address + "/" + prefix;
    }
}
