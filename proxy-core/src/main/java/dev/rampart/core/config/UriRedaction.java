package dev.rampart.core.config;

/**
 * A URI or request target as the views an operator does not keep to himself show it ({@code /admin/routes}, the
 * log lines, validation errors that reach a reload's log), with what may carry a credential replaced by
 * {@value EffectiveConfigRenderer#REDACTED}: the {@code user:password@} of its authority, its query
 * ({@code ?access_token=...}, {@code ?api_key=...}, as the access log leaves queries out for) and a fragment (where
 * OAuth's implicit flow puts a token). {@code --check} shows them as written: its reader wrote the file, and its
 * output must load again.
 */
final class UriRedaction {

    private UriRedaction() {
    }

    /** The query and fragment replaced, the rest as written: a path whose query alone may hold a secret. */
    static String query(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                return target.substring(0, i + 1) + EffectiveConfigRenderer.REDACTED;
            }
        }
        return target;
    }

    /** The {@code user:password@} of the authority, the query and the fragment replaced. */
    static String credentialsAndQuery(String uri) {
        return userinfo(query(uri));
    }

    /** The text with anything before an {@code @} in its authority (user:password) replaced. */
    static String userinfo(String text) {
        int start = text.indexOf("://");
        start = start < 0 ? 0 : start + 3;
        int slash = text.indexOf('/', start);
        int at = text.lastIndexOf('@', slash < 0 ? text.length() - 1 : slash);
        return at < start ? text : text.substring(0, start) + EffectiveConfigRenderer.REDACTED + text.substring(at);
    }
}
