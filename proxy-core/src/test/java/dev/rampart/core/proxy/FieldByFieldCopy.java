package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.List;
import java.util.Map;

/**
 * The copy of a head's end-to-end lines as the proxy made it before {@link RequestFieldCopy} and
 * {@link ResponseFieldCopy}: every line but the hop-by-hop and framing ones and those named in {@code Connection},
 * each name compared with each of them. Written out here, without the proxy's table or its {@code Connection}
 * shortcut, so that the differential tests compare the one-pass copies with something independent of them.
 */
final class FieldByFieldCopy {

    private static final List<CharSequence> NEVER_COPIED = List.of(HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, "proxy-connection", HttpHeaderNames.TE, HttpHeaderNames.UPGRADE,
            HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.CONTENT_LENGTH);

    private FieldByFieldCopy() {
    }

    /** Copies {@code source}'s end-to-end lines to {@code out}; returns whether a copied name has an underscore. */
    static boolean copyEndToEnd(HttpHeaders source, HttpHeaders out) {
        List<String> connection = source.getAll(HttpHeaderNames.CONNECTION);
        boolean underscore = false;
        for (Map.Entry<String, String> field : source) {
            String name = field.getKey();
            boolean neverCopied = NEVER_COPIED.stream().anyMatch(n -> AsciiString.contentEqualsIgnoreCase(name, n));
            boolean named = !name.isEmpty() && connection.stream().anyMatch(line -> ListElements.lists(line, name, true));
            if (!neverCopied && !named) {
                out.add(name, field.getValue());
                underscore |= name.indexOf('_') >= 0;
            }
        }
        return underscore;
    }
}
