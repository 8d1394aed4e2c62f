package dev.rampart.core.routing;

import dev.rampart.core.config.RegexBudget;

import java.util.Locale;
import java.util.Map;

/**
 * A request head for routing tests; header names are looked up case-insensitively, as Netty does. Each one has its
 * own regex budget.
 */
record TestRequest(String method, String host, String path, Map<String, String> headers, RegexBudget regexBudget)
        implements RequestView {

    TestRequest(String method, String host, String path, Map<String, String> headers) {
        this(method, host, path, headers, new RegexBudget());
    }

    static TestRequest get(String host, String path) {
        return new TestRequest("GET", host, path, Map.of());
    }

    TestRequest withMethod(String newMethod) {
        return new TestRequest(newMethod, host, path, headers);
    }

    TestRequest withHeaders(Map<String, String> newHeaders) {
        return new TestRequest(method, host, path, newHeaders);
    }

    @Override
    public boolean headerHas(String lowerCaseName, String value) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().toLowerCase(Locale.ROOT).equals(lowerCaseName) && h.getValue().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
