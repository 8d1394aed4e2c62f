package dev.rampart.core.config;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link ConfigWarnings} about a route's paths: how its {@code path-prefix}, {@code path-regex} and
 * {@code rewrite} go together.
 */
final class PathWarnings {

    /**
     * A regex whose first thing (after inline flags such as {@code (?i)}, and the openings of groups) is {@code .*} or
     * {@code .+}, lazy or not.
     */
    private static final Pattern UNANCHORED_LEAD = Pattern.compile(
            "((?:\\(\\?[a-zA-Z]+\\))*)((?:\\((?:\\?(?::|<[a-zA-Z][a-zA-Z0-9]*>))?)*)(\\.[*+])");

    private PathWarnings() {
    }

    static void add(RouteConfig route, List<String> warnings) {
        rewriteWarning(route, warnings);
        route.match().pathRegex().ifPresent(regex -> unanchoredRegexWarning(route.name(), "path-regex", regex,
                warnings));
        if (route.rewrite().orElse(null) instanceof PathRewrite.RegexRewrite rewrite) {
            unanchoredRegexWarning(route.name(), "rewrite.regex", rewrite.regex(), warnings);
        }
        pathParameterWarning(route, warnings);
    }

    /**
     * A prefix with a path parameter ({@code /svc;v=2/}): a request under it has the parameter in a segment
     * before its last, and is refused as ambiguous (servlet containers drop such parameters, so routing and
     * the application would see two paths), whatever it asks for.
     */
    private static void pathParameterWarning(RouteConfig route, List<String> warnings) {
        String prefix = route.match().pathPrefix().orElse("");
        if (prefix.indexOf(';') >= 0) {
            warnings.add("route \"" + route.name() + "\": path-prefix \"" + prefix + "\" has a path parameter (\";\");"
                    + " a request with a segment after the parameter is refused 400 BAD_REQUEST as ambiguous, as any"
                    + " whose parameters are not in its last segment");
        }
    }

    /**
     * A slash on one side of a prefix replacement and not on the other. nginx's off-by-slash:
     * {@code from = "/files"} with {@code to = "/public/"} makes {@code /files../x} into
     * {@code /public/../x}, outside the directory the rewrite was meant to keep requests in (when such a
     * path reaches the route at all, and {@code to} is not the root). The
     * reverse, {@code from = "/b/"} with {@code to = "/pb"}, makes {@code /b/x} into {@code /pbx}.
     */
    private static void rewriteWarning(RouteConfig route, List<String> warnings) {
        unreachedPrefixWarning(route, warnings);
        if (!(route.rewrite().orElse(null) instanceof PathRewrite.ReplacePrefix replace)) {
            return;
        }
        String from = replace.from();
        String to = replace.to();
        String r = "route \"" + route.name() + "\": rewrite.replace-prefix from \"" + from + "\" to \"" + to + "\" makes \"";
        boolean slashOnlyInFrom = from.endsWith("/") && !to.isEmpty() && !to.endsWith("/");
        if (slashOnlyInFrom) {
            warnings.add(r + from + "x\" into \"" + to + "x\"; end both with \"/\" or neither");
            return;
        }
        // Only where "/files../x" reaches the route: its path-prefix is part of from (a regex is not guessed at).
        boolean reaches = route.match().pathPrefix().filter(from::startsWith).isPresent();
        if (to.endsWith("/") && !from.endsWith("/") && !to.equals("/") && reaches) {
            warnings.add(r + from + "../x\" into \"" + to + "../x\", outside \"" + to + "\"; end both with \"/\" or neither");
        }
    }

    /**
     * A prefix rewrite that no request the route takes starts with ({@code path-prefix = "/api"} with
     * {@code strip-prefix = "/v1"}): the path goes upstream as the client sent it, which the rewrite was written to
     * prevent. Only by a {@code path-prefix} (a regex is not guessed at); one prefix inside the other is fine.
     */
    private static void unreachedPrefixWarning(RouteConfig route, List<String> warnings) {
        String key;
        String rewritten;
        if (route.rewrite().orElse(null) instanceof PathRewrite.StripPrefix strip) {
            key = "strip-prefix";
            rewritten = strip.prefix();
        } else if (route.rewrite().orElse(null) instanceof PathRewrite.ReplacePrefix replace) {
            key = "replace-prefix from";
            rewritten = replace.from();
        } else {
            return;
        }
        String matched = route.match().pathPrefix().orElse(null);
        if (matched == null || route.match().pathRegex().isPresent() || matched.startsWith(rewritten)
                || rewritten.startsWith(matched)) {
            return;
        }
        warnings.add("route \"" + route.name() + "\": rewrite." + key + " \"" + rewritten + "\" never applies: every"
                + " path the route takes starts with its path-prefix \"" + matched + "\", so each goes upstream"
                + " unchanged");
    }

    /**
     * A regex that begins with {@code .*} or {@code .+} and no {@code ^}: the engine tries it from every position of
     * the path, and each try reads the rest of it, so a long path costs its length squared (an 8 KB one a quarter
     * of a second of an event loop, or the regex budget's 500).
     */
    private static void unanchoredRegexWarning(String route, String key, Pattern regex,
                                               List<String> warnings) {
        String text = regex.pattern();
        Matcher lead = UNANCHORED_LEAD.matcher(text);
        if (lead.lookingAt()) {
            String flags = lead.group(1) == null ? "" : lead.group(1);
            warnings.add("route \"" + route + "\": " + key + " \"" + text + "\" begins with " + lead.group(3)
                    + " and no ^, so it is tried from every position of the path and reads it once per position: a"
                    + " long path costs its length squared (or the regex budget's 500); write \"" + flags + "^"
                    + text.substring(flags.length()) + "\"");
        }
    }
}
