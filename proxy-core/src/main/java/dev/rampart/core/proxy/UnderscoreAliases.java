package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;

/**
 * Drops a client's header whose name, with {@code _} read as {@code -}, is one the proxy sets or drops
 * ({@code X_Forwarded_For}, {@code X_Request_Id}, {@code X_Original_URL}, {@code Content_Length}): CGI, WSGI and Rack servers give both spellings one
 * variable ({@code HTTP_X_FORWARDED_FOR}) and some join the two, so the client's claim would ride along with
 * the proxy's. Other names with underscores pass (nginx drops every one by default; Envoy and HAProxy pass
 * them).
 */
final class UnderscoreAliases {

    private UnderscoreAliases() {
    }

    /** Removes from {@code out} the other spellings of the headers the proxy sets, {@code requestIdHeader} among them. */
    static void dropFrom(HttpHeaders out, String requestIdHeader) {
        List<String> aliases = null;
        String requestId = requestIdHeader.replace('_', '-'); // a name of the operator's may have one too
        boolean everyName = requestIdHeader.indexOf('_') >= 0;
        for (String name : out.names()) {
            boolean underscored = name.indexOf('_') >= 0;
            if (!underscored && !everyName) {
                continue;
            }
            String dashed = name.replace('_', '-');
            // A dashed name is dropped only as the request-id header's other spelling: X-Forwarded-For itself
            // is the chain the proxy extends.
            if (dashed.equalsIgnoreCase(requestId) && !name.equalsIgnoreCase(requestIdHeader)
                    || underscored && isSetByTheProxy(dashed)) {
                if (aliases == null) {
                    aliases = new ArrayList<>(2);
                }
                aliases.add(name);
            }
        }
        if (aliases != null) {
            aliases.forEach(out::remove);
        }
    }

    private static boolean isSetByTheProxy(String dashed) {
        return anyIs(ForwardedHeaders.SET_BY_THE_PROXY, dashed)
                || anyIs(ForwardedHeaders.CLIENT_CLAIMS, dashed) // dropped in its dashed spelling, so in this one too
                || anyIs(FRAMING, dashed);
    }

    /**
     * The framing fields, which the proxy decides too: a server that read a client's Content_Length or
     * Transfer_Encoding as CONTENT_LENGTH or HTTP_TRANSFER_ENCODING could frame the body otherwise than the
     * proxy did (older Werkzeug decoded a body as chunked on the latter).
     */
    private static final List<AsciiString> FRAMING = List.of(HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.TRANSFER_ENCODING);

    private static boolean anyIs(List<AsciiString> names, String dashed) {
        for (AsciiString name : names) {
            if (AsciiString.contentEqualsIgnoreCase(dashed, name)) {
                return true;
            }
        }
        return false;
    }
}
