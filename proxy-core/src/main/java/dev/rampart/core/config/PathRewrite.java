package dev.rampart.core.config;

/** How a route rewrites the request path before it goes upstream. */
public sealed interface PathRewrite {

    /**
     * Applies the rewrite to a path that starts with {@code /}; the query string is left to the caller. A regex
     * rewrite spends the request's {@code budget}.
     */
    String apply(String path, RegexBudget budget);

    /**
     * The leading part of {@code path} that the rewrite removes and puts nothing in place of, without a
     * trailing slash: what an application behind the proxy must put before its own paths to make the
     * client's ({@code X-Forwarded-Prefix}). Null when the rewrite does not apply to {@code path}, replaces
     * the prefix with another, removes nothing but a slash, or removes part of a segment: {@code /api} taken
     * from {@code /apis/x} leaves {@code /s/x}, which no prefix turns back into the client's path.
     */
    String removedPrefix(String path);

    /**
     * {@code prefix} without its trailing slash when {@code path} starts with it, it ends a segment of the path,
     * and it is more than {@code /}.
     */
    private static String removed(String prefix, String path) {
        if (!path.startsWith(prefix)) {
            return null;
        }
        if (!prefix.endsWith("/") && path.length() > prefix.length() && path.charAt(prefix.length()) != '/') {
            return null; // "/api" + "/s/x" would name a path the client never asked for, not its "/apis/x"
        }
        String removed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return removed.isEmpty() ? null : removed;
    }

    /** {@code rewrite { strip-prefix = "/api" }}: {@code /api/x} becomes {@code /x}. */
    record StripPrefix(String prefix) implements PathRewrite {
        @Override
        public String apply(String path, RegexBudget budget) {
            if (!path.startsWith(prefix)) {
                return path;
            }
            String rest = path.substring(prefix.length());
            return rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest;
        }

        @Override
        public String removedPrefix(String path) {
            return PathRewrite.removed(prefix, path);
        }
    }

    /** {@code rewrite { replace-prefix { from = "/api", to = "/v2" } }}. */
    record ReplacePrefix(String from, String to) implements PathRewrite {
        @Override
        public String apply(String path, RegexBudget budget) {
            if (!path.startsWith(from)) {
                return path;
            }
            String rewritten = to + path.substring(from.length());
            return rewritten.isEmpty() ? "/" : rewritten.charAt(0) == '/' ? rewritten : "/" + rewritten;
        }

        @Override
        public String removedPrefix(String path) {
            return to.isEmpty() ? PathRewrite.removed(from, path) : null; // to empty: a strip-prefix
        }
    }

    /**
     * {@code rewrite { regex = "^/api/(.*)$", replacement = "/$1" }}: every match of the regex in the path is
     * replaced, {@code $n} and {@code ${name}} standing for its groups (Envoy's {@code regex_rewrite}, Spring Cloud
     * Gateway's {@code RewritePath}); a path it does not match is left as it is. A result that does not start with
     * "/" gets one. Names no removed prefix: what it removed is not a prefix an application can put back.
     */
    record RegexRewrite(java.util.regex.Pattern regex, String replacement) implements PathRewrite {
        @Override
        public String apply(String path, RegexBudget budget) {
            String rewritten = budget.replaceAll(regex, path, replacement);
            if (rewritten == path) {
                return path;
            }
            return rewritten.isEmpty() ? "/" : rewritten.charAt(0) == '/' ? rewritten : "/" + rewritten;
        }

        @Override
        public String removedPrefix(String path) {
            return null;
        }

        /** Patterns have no equality of their own: two rewrites are equal when they read the same. */
        @Override
        public boolean equals(Object o) {
            return o instanceof RegexRewrite r && regex.pattern().equals(r.regex.pattern())
                    && regex.flags() == r.regex.flags() && replacement.equals(r.replacement);
        }

        @Override
        public int hashCode() {
            return regex.pattern().hashCode() * 31 + replacement.hashCode();
        }
    }
}
