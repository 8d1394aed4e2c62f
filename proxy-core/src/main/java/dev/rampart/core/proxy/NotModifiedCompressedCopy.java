package dev.rampart.core.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

import java.util.List;

/**
 * The 304 that answers a conditional request for a copy the route compressed. A 304's header fields replace
 * those of the copy it validates (RFC 9111 §4.3.4), and the upstream's 304 carries the strong {@code ETag "x"}
 * of its uncompressed bytes: a cache that revalidated its gzip copy (sent {@code If-None-Match: W/"x"}, the tag
 * compression gave it) would relabel that copy with the strong tag of other bytes, and a later {@code If-Range}
 * with it would splice a range of the uncompressed body onto gzip bytes. So when the request names
 * {@code W/"x"} and not {@code "x"}, the copy being validated is the compressed one, and the 304 says what its
 * 200 said: {@code W/"x"} and {@code Vary: Accept-Encoding} (RFC 9110 §15.4.5). A request that names
 * {@code "x"} holds the uncompressed copy, whose 304 stays as it came. A 304 carries no body, so whether the
 * 200 would be compressed now (its type and length) cannot be told from it: the request's validator says
 * which copy it is.
 */
final class NotModifiedCompressedCopy {

    private NotModifiedCompressedCopy() {
    }

    /**
     * Changes the head of the 304 {@code headers} to the compressed copy's when {@code request} validates one. A
     * HEAD's too: its 200 says what the GET's says, weak tag included, and so does its 304.
     */
    static void relabel(HttpRequest request, HttpHeaders headers) {
        List<String> etags = headers.getAll(HttpHeaderNames.ETAG);
        if (etags.size() != 1 || !etags.get(0).startsWith("\"")) {
            return;
        }
        String strong = etags.get(0).trim();
        boolean namesWeak = false;
        for (String line : request.headers().getAll(HttpHeaderNames.IF_NONE_MATCH)) {
            EntityTags tags = new EntityTags(line);
            while (tags.next()) {
                if (tags.opaque().equals(strong)) {
                    if (!tags.weak()) {
                        return; // the uncompressed copy (or both): its strong tag is the right one
                    }
                    namesWeak = true;
                }
            }
        }
        if (namesWeak) {
            ResponseCompression.weakenEtags(headers);
            ResponseCompression.addVary(headers, "Accept-Encoding");
        }
    }

    /**
     * The entity tags of one {@code If-None-Match} line, read as RFC 9110 §8.8.3 writes them: an optional
     * {@code W/} and a quoted string that may hold commas, so the line is not split on commas.
     */
    private static final class EntityTags {
        private final String line;
        private int at;
        private boolean weak;
        private String opaque;

        EntityTags(String line) {
            this.line = line;
        }

        boolean next() {
            while (at < line.length() && (line.charAt(at) == ',' || line.charAt(at) == ' ' || line.charAt(at) == '\t')) {
                at++;
            }
            if (at >= line.length()) {
                return false;
            }
            weak = line.startsWith("W/", at);
            int open = weak ? at + 2 : at;
            if (open >= line.length() || line.charAt(open) != '"') {
                at = line.length(); // "*" or something unreadable: no tag in it to compare
                return false;
            }
            int close = line.indexOf('"', open + 1);
            if (close < 0) {
                at = line.length();
                return false;
            }
            opaque = line.substring(open, close + 1);
            at = close + 1;
            return true;
        }

        boolean weak() {
            return weak;
        }

        String opaque() {
            return opaque;
        }
    }
}
