package dev.rampart.core.routing;

import dev.rampart.core.config.RegexBudget;

/**
 * The parts of a request head that routing looks at. The proxy adapts Netty's request to it, so that
 * routing stays plain Java and tests need no Netty objects.
 *
 * <p>Implementations should return the values they already hold: the router never keeps a reference
 * past {@link Router#match(RequestView)} and is written so that it need not copy or lower-case them.
 */
public interface RequestView {

    /** The request method exactly as received (methods are case-sensitive, RFC 9110 §9.1). */
    String method();

    /**
     * The {@code Host} header (for an absolute-form target, the proxy has checked it names the target's
     * authority); may carry a port ({@code example.com:8080}, {@code [::1]:8080}) and any letter case. Null when
     * there is none.
     */
    String host();

    /** The path routes match: of the origin-form target in normal form, without the query string. */
    String path();

    /**
     * Whether a line of the header carries exactly {@code value}. Any line, not the first or all of them
     * joined: applications read a repeated header differently (Go, Java servlets and Python take the first
     * line, others the last or all), so a route that matches a value (to refuse it, say) must match whichever
     * line carries it, or repeating the header would slip past it.
     */
    boolean headerHas(String lowerCaseName, String value);

    /**
     * What the regexes tried on this request may still read of its path: the same budget for every route's
     * {@code path-regex} and the rewrite, so that many costly regexes cost no more than one.
     */
    RegexBudget regexBudget();
}
