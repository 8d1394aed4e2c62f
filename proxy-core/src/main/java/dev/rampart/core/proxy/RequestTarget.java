package dev.rampart.core.proxy;

import dev.rampart.core.config.PathEscapes;

import java.util.function.IntPredicate;

/**
 * The request-target as routes match it and the upstream receives it: origin-form, with its path in
 * normal form. Routing on the raw target would let {@code /x/../admin}, {@code //admin} or
 * {@code /%61dmin} miss a route for {@code /admin} while the upstream resolves them to it, and let
 * {@code /pub/../secret} escape a prefix rewrite.
 */
final class RequestTarget {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private RequestTarget() {
    }

    /**
     * The origin-form of {@code target} with a normalized path, or null when it cannot be one: a control
     * character or a fragment ({@code #}: a target has none, RFC 9112 §3.2, and resolving dot segments
     * across one would route {@code /a#/../b} to {@code /b}), a {@code %} that starts no valid escape or one
     * that encodes NUL in the path (an escape built of escapes, {@code %%32%65}, would otherwise become
     * {@code %2e} once decoded: a dot segment only the upstream resolves), or an absolute-form target that
     * is not http(s).
     * <ul>
     *   <li>absolute-form ({@code http://host/p?q}) becomes origin-form ({@code /p?q}): RFC 9112 §3.2.1
     *       sends only the path and query to an origin, and the host was checked against Host;</li>
     *   <li>bytes above 0x7F, which the decoder gives as ISO-8859-1 characters, are percent-encoded: a
     *       target is ASCII, and written back as UTF-8 they would arrive as other bytes; so is a backslash in
     *       the path ({@code %5C}), which URL parsers of the WHATWG standard read as a slash;</li>
     *   <li>percent-encoded unreserved characters are decoded and other escapes written in upper case
     *       (RFC 3986 §6.2.2, see {@link PathEscapes}), dot segments removed (§5.2.4) and runs of slashes
     *       merged, as nginx does before matching locations.</li>
     * </ul>
     * The query is kept as it is; an asterisk-form target ({@code *}) too.
     */
    static String originForm(String target) {
        if (target.equals("*")) {
            return target;
        }
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < 0x21 || c == 0x7F || c == '#') {
                return null; // RFC 9112 §3.2: no whitespace, control characters or fragment in a request-target
            }
        }
        String originForm = target;
        if (!target.startsWith("/")) {
            int schemeEnd = target.indexOf("://");
            if (schemeEnd <= 0) {
                return null;
            }
            int pathStart = schemeEnd + 3;
            while (pathStart < target.length() && target.charAt(pathStart) != '/' && target.charAt(pathStart) != '?') {
                pathStart++;
            }
            originForm = pathStart == target.length() ? "/" : target.charAt(pathStart) == '?'
                    ? "/" + target.substring(pathStart) : target.substring(pathStart);
        }
        int query = originForm.indexOf('?');
        String path = query < 0 ? originForm : originForm.substring(0, query);
        if (!validEscapes(path)) {
            return null;
        }
        // A raw backslash is no path character (RFC 3986), and the WHATWG URL parser (Node, browsers) reads
        // it as "/": forwarded raw, "/x\..\secret", routed as one segment, would be "/secret" to such an upstream.
        String normal = PathEscapes.normalForm(percentEncode(path, c -> c <= 0x7F && c != '\\'));
        if (hasDotSegmentWithParameters(normal)) {
            return null;
        }
        String resolved = removeDotSegments(normal);
        if (escapedSeparatorMakesDotSegment(resolved)) {
            return null;
        }
        String rest = query < 0 ? "" : percentEncodeHighBytes(originForm.substring(query));
        return resolved + rest;
    }

    /**
     * A dot segment that only an escaped slash or backslash makes ({@code /secret/..%2Fpublic},
     * {@code /x%2F..%2Fadmin}, {@code /a/..%5Cb}): routing reads the escape as a separator and resolves the
     * segment, but what is forwarded keeps the escape, and upstreams read it three ways: Jetty as routing does,
     * werkzeug (Flask) as {@code /secret/../public} served under {@code /secret}, Node as one segment. Such a
     * path is routed by one reading and served by another, so it is refused; no client sends one (Envoy can
     * be told to refuse every escaped slash).
     */
    static boolean escapedSeparatorMakesDotSegment(String path) {
        if (path.indexOf("%2F") < 0 && path.indexOf("%5C") < 0) {
            return false; // the common case looks no further
        }
        String segments = escapedSeparatorsAsSlashes(path);
        return segments.contains("/./") || segments.contains("/../") || segments.endsWith("/.")
                || segments.endsWith("/..");
    }

    /** {@code path} with its escaped slashes and backslashes read as separators, as some upstreams read them. */
    private static String escapedSeparatorsAsSlashes(String path) {
        return path.replace("%2F", "/").replace("%5C", "/");
    }

    /**
     * A {@code .} or {@code ..} segment with parameters ({@code /x/..;/admin}, {@code /x/%2e%2e;p/admin}):
     * to RFC 3986 and to routing it is a name, but Tomcat, Jetty and Spring drop a segment's parameters
     * before they resolve dot segments, so the application would serve {@code /admin} from a request
     * routed by {@code /x}. No client sends one; it is refused rather than resolved either way. A segment
     * that only an escaped slash or backslash begins counts too ({@code /x%5C..;/admin}): Tomcat with
     * {@code allowBackslash} reads the backslash as a separator, then drops the parameters.
     */
    static boolean hasDotSegmentWithParameters(String path) {
        if (path.indexOf(';') < 0) {
            return false; // the common case looks no further
        }
        String segments = escapedSeparatorsAsSlashes(path);
        return segments.contains("/.;") || segments.contains("/..;");
    }

    /**
     * The target as routes see it: an origin-form target in normal form with its escaped slashes
     * ({@code %2F}) decoded and the dot segments and empty segments they form resolved, as nginx decodes
     * them before it matches locations. What is forwarded keeps {@code %2F} (a path segment may contain a
     * slash), but a route must not be missed through one: {@code /%2Fadmin} meets the route for
     * {@code /admin}, as an upstream that decodes it would see it (a dot segment an escaped slash makes never
     * gets here: {@link #originForm} refuses it). {@code target} itself when it has no escaped slash in its path.
     */
    static String routingForm(String target) {
        int query = target.indexOf('?');
        int slash = target.indexOf("%2F");
        if (slash < 0 || (query >= 0 && slash > query)) {
            return target;
        }
        String path = query < 0 ? target : target.substring(0, query);
        return removeDotSegments(path.replace("%2F", "/")) + (query < 0 ? "" : target.substring(query));
    }

    /**
     * The path of a target a route rewrote, in normal form again: a prefix rewrite can join segments into
     * dot segments or double slashes ({@code /files../x} with {@code /files} → {@code /public/}), and what
     * is forwarded is always in normal form. The query is kept as it is.
     */
    static String afterRewrite(String pathAndQuery) {
        int query = pathAndQuery.indexOf('?');
        if (query < 0) {
            return removeDotSegments(pathAndQuery);
        }
        String path = pathAndQuery.substring(0, query);
        String normal = removeDotSegments(path);
        return normal.equals(path) ? pathAndQuery : normal + pathAndQuery.substring(query);
    }

    /** Every {@code %} starts an escape of two hex digits (RFC 3986 §2.1), and none is {@code %00}: as nginx checks. */
    static boolean validEscapes(String path) {
        for (int i = path.indexOf('%'); i >= 0; i = path.indexOf('%', i + 3)) {
            if (i + 2 >= path.length()) {
                return false;
            }
            int hi = PathEscapes.hexValue(path.charAt(i + 1));
            int lo = PathEscapes.hexValue(path.charAt(i + 2));
            if (hi < 0 || lo < 0 || hi + lo == 0) {
                return false;
            }
        }
        return true;
    }

    private static String percentEncodeHighBytes(String s) {
        return percentEncode(s, c -> c <= 0x7F);
    }

    /**
     * {@code s} with every character {@code kept} refuses written as {@code %XX}. The characters are bytes, as the
     * decoder gives a target's (ISO-8859-1), so each is one escape.
     */
    static String percentEncode(String s, IntPredicate kept) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!kept.test(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                out.append('%').append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** RFC 3986 §5.2.4 on an absolute path, with empty segments dropped; "/.." at the root stays at the root. */
    static String removeDotSegments(String path) {
        if (path.indexOf("/.") < 0 && path.indexOf("//") < 0) {
            return path; // nothing to do: the common case allocates nothing
        }
        String[] segments = path.split("/", -1);
        java.util.ArrayDeque<String> kept = new java.util.ArrayDeque<>(segments.length);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals("..")) {
                kept.pollLast();
                if (last) {
                    kept.addLast(""); // "/a/.." is the directory "/", keep its trailing slash
                }
            } else if (segment.equals(".")) {
                if (last) {
                    kept.addLast("");
                }
            } else if (!segment.isEmpty() || last) {
                kept.addLast(segment);
            }
        }
        StringBuilder out = new StringBuilder(path.length());
        for (String segment : kept) {
            out.append('/').append(segment);
        }
        return out.length() == 0 ? "/" : out.toString();
    }
}
