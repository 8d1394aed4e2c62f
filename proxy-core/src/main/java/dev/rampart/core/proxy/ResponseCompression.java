package dev.rampart.core.proxy;

import dev.rampart.core.bytes.GzipEncoder;
import dev.rampart.core.config.CompressionConfig;
import dev.rampart.core.config.RespondConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a relayed response is gzip-compressed on its way to the client, and the changes to its head that
 * say so. The rules are nginx's {@code gzip} and Envoy's compressor filter, and never change what a response
 * means:
 * <ul>
 *   <li>Only a body the client will get whole, framed by the proxy: not 204, 205, 304 or a 206 range (its
 *       bytes are positions in the uncompressed body), not to an HTTP/1.0 client (the compressed length is
 *       unknown up front, and such a body would have to end with the connection).</li>
 *   <li>The answer to HEAD gets the head the same GET would get, compressed or not (RFC 9110 §9.3.2; nginx's
 *       gzip filter does the same), and no body: nothing is compressed and no slot is taken.</li>
 *   <li>Only a body the upstream did not encode already ({@code Content-Encoding}), of a listed media type,
 *       not shorter than {@code min-length} when its length is declared, not marked
 *       {@code Cache-Control: no-transform} (RFC 9111 §5.2.2.6), nor asked for by a request so marked
 *       (§5.2.1.6), and without a digest of its bytes (RFC 9530) that gzip would make false.</li>
 *   <li>Such a response carries {@code Vary: Accept-Encoding} whether this client accepts gzip or not, so
 *       that a cache keeps the two forms apart.</li>
 *   <li>Compressed, it loses {@code Content-Length} (sent chunked) and {@code Accept-Ranges}, and a strong
 *       {@code ETag} becomes weak: the bytes are no longer the upstream's (RFC 9110 §8.8.1).</li>
 *   <li>A 304 that validates such a compressed copy says so too ({@link NotModifiedCompressedCopy}).</li>
 * </ul>
 */
final class ResponseCompression {

    private static final String GZIP = "gzip";
    /** Digests of the content as it is coded (RFC 9530's, and the obsolete ones of RFC 3230 and RFC 1864). */
    private static final List<AsciiString> DIGEST_FIELDS = List.of(AsciiString.cached("content-digest"),
            AsciiString.cached("repr-digest"), AsciiString.cached("digest"), AsciiString.cached("content-md5"));

    private ResponseCompression() {
    }

    /**
     * Starts compressing {@code response} when the route compresses and both the request and the response
     * allow it, and fewer than {@code most} responses are being compressed ({@code slots}); its head is then
     * changed to say so. Null when the body goes as it is (a {@code Vary} may still have been added), and for
     * a HEAD, whose head is changed as its GET's would be.
     */
    static GzipEncoder begin(Optional<CompressionConfig> compression, HttpRequest request, HttpResponse response,
                             ByteBufAllocator alloc, CompressionSlots slots, int most) {
        if (compression.isEmpty()) {
            return null;
        }
        if (response.status().code() == 304) {
            NotModifiedCompressedCopy.relabel(request, response.headers());
            return null;
        }
        if (!compressible(compression.get(), request, response)) {
            return null;
        }
        HttpHeaders headers = response.headers();
        // An HTTP/1.0 client gets the body as it is, but a cache in front of it may serve a 1.1 client too.
        reclaim(headers, HttpHeaderNames.VARY);
        addVary(headers, "Accept-Encoding");
        // A client's own no-transform asks intermediaries to leave the content as it is (RFC 9111 §5.2.1.6).
        // A HEAD has no body to compress: it only says whether the GET would be, and so takes no slot.
        boolean headOnly = request.method().equals(HttpMethod.HEAD);
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1) || !acceptsGzip(request.headers())
                || listContains(request.headers(), HttpHeaderNames.CACHE_CONTROL, "no-transform")
                || !(headOnly ? slots.inUse() < most : slots.take(most))) {
            return null;
        }
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        headers.remove(HttpHeaderNames.ACCEPT_RANGES);
        reclaim(headers, HttpHeaderNames.CONTENT_ENCODING);
        headers.set(HttpHeaderNames.CONTENT_ENCODING, GZIP);
        weakenEtags(headers);
        if (headOnly) {
            return null;
        }
        try {
            return new GzipEncoder(compression.get().level(), alloc, slots::give);
        } catch (RuntimeException | Error e) {
            slots.give(); // no compressor (zlib found no native memory): the slot is not held
            throw e;
        }
    }

    /**
     * Takes {@code name} back from the upstream's hop when its {@code Connection} lists it (RFC 9110 §7.6.1): the
     * upstream's lines of it were for the proxy alone, and are dropped here as the relay would drop them, and so is
     * the name from {@code Connection}, so that the line compression writes in their place is not dropped with them
     * on the way to the client (a gzip body without its {@code Content-Encoding}, or without its {@code Vary}).
     */
    private static void reclaim(HttpHeaders headers, AsciiString name) {
        ConnectionNames named = ConnectionNames.of(headers);
        if (named == null || !named.lists(name)) {
            return;
        }
        headers.remove(name);
        List<String> kept = new ArrayList<>();
        ListElements.Cursor elements = ListElements.of(headers.getAll(HttpHeaderNames.CONNECTION));
        while (elements.next()) {
            if (!elements.is(name, true)) {
                kept.add(elements.element());
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        if (!kept.isEmpty()) { // close or keep-alive still say what becomes of the upstream connection
            headers.add(HttpHeaderNames.CONNECTION, String.join(", ", kept));
        }
    }

    /**
     * The compressed body is not the bytes a strong validator named: each strong one becomes weak, a weak one
     * stays. A value that is no entity tag (unquoted, or a lower-case {@code w/}; RFC 9110 §8.8.3) cannot be made
     * weak and is dropped, as nginx drops it: kept, it would label the gzip bytes with the uncompressed body's
     * validator, which a lenient upstream matches in an {@code If-Range} with a range of the uncompressed body.
     */
    static void weakenEtags(HttpHeaders headers) {
        List<String> etags = headers.getAll(HttpHeaderNames.ETAG);
        if (etags.stream().allMatch(etag -> etag.startsWith("W/\""))) {
            return;
        }
        headers.remove(HttpHeaderNames.ETAG);
        for (String etag : etags) {
            if (etag.startsWith("W/\"")) {
                headers.add(HttpHeaderNames.ETAG, etag);
            } else if (etag.startsWith("\"")) {
                headers.add(HttpHeaderNames.ETAG, "W/" + etag);
            }
        }
    }

    /** Whether the response would be compressed for a client that accepts gzip. */
    private static boolean compressible(CompressionConfig config, HttpRequest request, HttpResponse response) {
        int status = response.status().code();
        // No content to compress, or a range of a representation that a client puts together as it came. A HEAD's
        // status and fields are those of its GET, the upstream's Content-Length included, and decide as the GET's.
        if (RespondConfig.hasNoContent(status) || status == 206) {
            return false;
        }
        HttpHeaders headers = response.headers();
        if (encoded(headers)) {
            return false;
        }
        String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
        if (contentType == null || !config.compressesContentType(contentType)) {
            return false;
        }
        if (listContains(headers, HttpHeaderNames.CACHE_CONTROL, "no-transform") || vouchedByDigest(headers)) {
            return false;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                return Long.parseLong(length.trim()) >= Math.max(1, config.minLength());
            } catch (NumberFormatException e) {
                return false; // framing the codec let through but this cannot read: leave the bytes alone
            }
        }
        return true;
    }

    /**
     * Whether the upstream gave a digest of its bytes, in the head or announced in {@code Trailer}. Compressed, the
     * body would no longer match it (RFC 9530 §2 and §3: both are of the content as it is coded), and an HTTP message
     * signature that covers the field (RFC 9421) could neither keep it true nor do without it: such a body goes as
     * it came, as a {@code no-transform} one does (nginx compresses it, and the client finds a false digest).
     */
    private static boolean vouchedByDigest(HttpHeaders headers) {
        for (AsciiString name : DIGEST_FIELDS) {
            if (headers.contains(name) || listContains(headers, HttpHeaderNames.TRAILER, name.toString())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Drops from a compressed body's trailers the digests its head did not announce (an announced one leaves the
     * body as it came, see {@link #vouchedByDigest}): they are of the upstream's bytes, not of the gzip sent.
     */
    static void dropDigests(HttpHeaders trailers) {
        DIGEST_FIELDS.forEach(trailers::remove);
    }

    /**
     * Whether the body already has a coding: any element of any {@code Content-Encoding} line other than
     * {@code identity} (a second line counts as much as the first: {@code identity} then {@code gzip} is gzip).
     */
    private static boolean encoded(HttpHeaders headers) {
        ListElements.Cursor codings = ListElements.of(headers.getAll(HttpHeaderNames.CONTENT_ENCODING));
        while (codings.next()) {
            if (!codings.is("identity", true)) {
                return true;
            }
        }
        return false;
    }

    /** Adds {@code token} to a response's {@code Vary} unless it lists it already (case ignored) or is {@code *}. */
    static void addVary(HttpHeaders headers, String token) {
        if (!listContains(headers, HttpHeaderNames.VARY, token) && !listContains(headers, HttpHeaderNames.VARY, "*")) {
            headers.add(HttpHeaderNames.VARY, token);
        }
    }

    /**
     * Whether {@code Accept-Encoding} accepts gzip (RFC 9110 §12.5.3): listed with a weight above 0, or not
     * listed while {@code *} is. Absent or unreadable, it does not: the identity is always acceptable.
     */
    static boolean acceptsGzip(HttpHeaders requestHeaders) {
        int gzip = -1;
        int any = -1;
        ListElements.Cursor elements = ListElements.of(requestHeaders.getAll(HttpHeaderNames.ACCEPT_ENCODING));
        while (elements.next()) {
            String element = elements.element();
            int semicolon = element.indexOf(';');
            String coding = (semicolon < 0 ? element : element.substring(0, semicolon)).trim();
            int weight = semicolon < 0 ? 1000 : weight(element.substring(semicolon + 1));
            if (coding.equalsIgnoreCase(GZIP) || coding.equalsIgnoreCase("x-gzip")) {
                gzip = Math.max(gzip, weight);
            } else if (coding.equals("*")) {
                any = Math.max(any, weight);
            }
        }
        return gzip >= 0 ? gzip > 0 : any > 0;
    }

    /** The {@code q} of an element's parameters in thousandths; 0 when it is not a valid weight. */
    private static int weight(String parameters) {
        String p = parameters.trim();
        if (p.length() < 3 || (p.charAt(0) | 0x20) != 'q' || p.charAt(1) != '=') {
            return 0;
        }
        String q = p.substring(2).trim();
        if (!q.matches("0(\\.\\d{0,3})?|1(\\.0{0,3})?")) {
            return 0;
        }
        double value = Double.parseDouble(q.endsWith(".") ? q + "0" : q);
        return (int) Math.round(value * 1000);
    }

    /** Whether a comma-separated header lists {@code token} (case ignored, parameters aside). */
    private static boolean listContains(HttpHeaders headers, CharSequence name, String token) {
        ListElements.Cursor elements = ListElements.of(headers.getAll(name));
        while (elements.next()) {
            String element = elements.element();
            int equals = element.indexOf('=');
            String item = (equals < 0 ? element : element.substring(0, equals)).trim();
            if (item.equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }
}
