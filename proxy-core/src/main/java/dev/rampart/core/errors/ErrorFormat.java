package dev.rampart.core.errors;

/**
 * The two shapes an error body takes. Public so that the transport, or a benchmark, can negotiate once
 * and render separately: {@link ErrorRenderer#render(ErrorContext, ErrorFormat)}.
 */
public enum ErrorFormat {
    /** The Rampart envelope of PRODUCT.md §3.2; the default whenever the client states no clear preference. */
    ENVELOPE("application/json"),
    /** RFC 9457 problem details, for clients whose {@code Accept} prefers them. */
    PROBLEM_DETAILS("application/problem+json");

    private final String contentType;

    ErrorFormat(String contentType) {
        this.contentType = contentType;
    }

    /** The {@code Content-Type} of a body in this format. */
    public String contentType() {
        return contentType;
    }

    /**
     * The format for a request's {@code Accept} value: problem details only when they are weighted
     * strictly above {@code application/json}; the envelope when the header is absent, malformed or
     * undecided. See {@link AcceptNegotiation} for the exact rules.
     *
     * @param acceptHeader the {@code Accept} field value (several lines joined with {@code ", "}), or null
     */
    public static ErrorFormat negotiate(String acceptHeader) {
        return AcceptNegotiation.negotiate(acceptHeader);
    }
}
