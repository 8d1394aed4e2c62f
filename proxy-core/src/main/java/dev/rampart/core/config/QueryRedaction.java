package dev.rampart.core.config;

/**
 * A URI or request target as the views an operator does not keep to himself show it ({@code /admin/routes}, the
 * log lines, validation errors that reach a reload's log): its query, which may carry a credential
 * ({@code ?access_token=...}, {@code ?api_key=...}, as the access log leaves queries out for), and a fragment
 * (where OAuth's implicit flow puts a token) replaced by {@value EffectiveConfigRenderer#REDACTED}.
 * {@code --check} shows them as written: its reader wrote the file, and its output must load again.
 */
final class QueryRedaction {

    private QueryRedaction() {
    }

    static String shown(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c == '?' || c == '#') {
                return target.substring(0, i + 1) + EffectiveConfigRenderer.REDACTED;
            }
        }
        return target;
    }
}
