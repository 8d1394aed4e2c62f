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
     * The {@code Host} header, or the authority of an absolute-form request target; may carry a port
     * ({@code example.com:8080}, {@code [::1]:8080}) and any letter case. Null when there is none.
     */
    String host();

    /** The raw request path as received: not decoded, not normalised, without the query string. */
    String path();

    /** The first value of a header, or null when absent. */
    String header(String lowerCaseName);
}
