package dev.rampart.core.config;

/** How a route rewrites the request path before it goes upstream. */
public sealed interface PathRewrite {

    /** Applies the rewrite to a path that starts with {@code /}; the query string is left to the caller. */
    String apply(String path);

    /** {@code rewrite { strip-prefix = "/api" }}: {@code /api/x} becomes {@code /x}. */
    record StripPrefix(String prefix) implements PathRewrite {
        @Override
        public String apply(String path) {
            if (!path.startsWith(prefix)) {
                return path;
            }
            String rest = path.substring(prefix.length());
            return rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest;
        }
    }

    /** {@code rewrite { replace-prefix { from = "/api", to = "/v2" } }}. */
    record ReplacePrefix(String from, String to) implements PathRewrite {
        @Override
        public String apply(String path) {
            if (!path.startsWith(from)) {
                return path;
            }
            String rewritten = to + path.substring(from.length());
            return rewritten.isEmpty() ? "/" : rewritten.charAt(0) == '/' ? rewritten : "/" + rewritten;
        }
    }
}
