package dev.rampart.core.routing;

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
     * A header's value, or null when absent. A field sent on several lines is one value, the lines joined
     * with {@code ", "} (RFC 9110 §5.3), so that a match does not depend on which line came first.
     */
    String header(String lowerCaseName);
}
