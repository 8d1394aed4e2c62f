package dev.rampart.core.config;

import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Binds a {@code jwt} block's {@code from-headers} and {@code from-cookies}: where its token is looked for, headers
 * first in the order given, then cookies. Neither given: {@code Authorization: Bearer}. Each name once; a header
 * that frames the message, that the proxy sets, or that carries the cookies is refused (cookies have a list of
 * their own).
 */
final class TokenSourceBinder {

    /** Printable ASCII: the start of a header value, without the bytes above ASCII nobody agreed on. */
    private static final Pattern PREFIX = Pattern.compile("[\\x20-\\x7E]*");

    private TokenSourceBinder() {
    }

    static List<TokenSource> bind(ConfigSection jwt, String requestIdHeader) {
        Optional<List<ConfigValue>> headers = jwt.list("from-headers");
        Optional<List<ConfigValue>> cookies = jwt.list("from-cookies");
        if (headers.isEmpty() && cookies.isEmpty()) {
            return TokenSource.DEFAULT;
        }
        List<TokenSource> sources = new ArrayList<>();
        headers.ifPresent(values -> headers(jwt, values, requestIdHeader, sources));
        cookies.ifPresent(values -> cookies(jwt, values, sources));
        return sources.isEmpty() ? TokenSource.DEFAULT : sources; // with a problem reported, so never served
    }

    private static void headers(ConfigSection jwt, List<ConfigValue> values, String requestIdHeader,
                                List<TokenSource> sources) {
        if (values.isEmpty()) {
            jwt.problem("from-headers", "an empty list reads no token: leave the key out (Authorization: Bearer),"
                    + " or name the headers");
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            String elementPath = jwt.path("from-headers") + "[" + i + "]";
            Optional<ConfigSection> element = ConfigSection.asSection(values.get(i), elementPath, jwt.problems());
            if (element.isEmpty()) {
                continue;
            }
            ConfigSection h = element.get();
            Optional<String> name = h.optionalString("name");
            String prefix = h.string("prefix", "");
            h.finish();
            if (!h.has("name")) {
                h.problem("name", "missing (expected the header that carries the token, e.g. name = X-Jwt-Assertion)");
                continue;
            }
            if (name.isEmpty()) {
                continue;
            }
            String notAName = RampartBinder.notAName("header", "X-Jwt-Assertion", name.get());
            String reason = unreadable(name.get(), requestIdHeader, "name the cookie in from-cookies");
            if (notAName != null) {
                h.problem("name", notAName);
            } else if (reason != null) {
                h.problem("name", name.get() + " cannot carry the token: " + reason);
            } else if (!PREFIX.matcher(prefix).matches() || prefix.startsWith(" ")) {
                // A header value arrives without the spaces before it (RFC 9110 §5.5): such a prefix never matches.
                h.problem("prefix", "expected printable ASCII not starting with a space (the text before the token,"
                        + " e.g. \"Bearer \"), got " + ConfigUtil.quoteString(prefix));
            } else if (!seen.add(HeaderRules.spelling(name.get()))) {
                jwt.problems().add(h.path("name"), name.get() + " is named twice (header names ignore case, and _"
                        + " reads as - to CGI, WSGI and Rack servers)", values.get(i).origin());
            } else {
                // Spaces after the prefix are skipped whatever their number: one stands for any.
                String trimmed = prefix.stripTrailing();
                sources.add(TokenSource.header(name.get(), trimmed.length() < prefix.length() ? trimmed + " " : prefix));
            }
        }
    }

    /**
     * Why a request header of this name cannot be read for a decision (the token, a canary's side), or null when
     * it can: it carries the cookies ({@code cookieAdvice} says what to do instead), frames the message, belongs
     * to one connection, or is the proxy's own.
     */
    static String unreadable(String name, String requestIdHeader, String cookieAdvice) {
        String spelled = HeaderRules.spelling(name);
        return spelled.equals("cookie") ? "it carries the client's cookies: " + cookieAdvice
                : HeaderRulesBinder.forbiddenRequestHeader(spelled, requestIdHeader);
    }

    private static void cookies(ConfigSection jwt, List<ConfigValue> values, List<TokenSource> sources) {
        if (values.isEmpty()) {
            jwt.problem("from-cookies", "an empty list reads no token: leave the key out, or name the cookies");
        }
        Set<String> seen = new HashSet<>();
        jwt.forEachString("from-cookies", values, (name, value, path) -> {
            String notAName = RampartBinder.notAName("cookie", "access_token", name);
            if (notAName != null) {
                jwt.problems().add(path, notAName, value.origin());
            } else if (!seen.add(name)) {
                jwt.problems().add(path, name + " is named twice", value.origin());
            } else {
                sources.add(TokenSource.cookie(name));
            }
        });
    }
}
