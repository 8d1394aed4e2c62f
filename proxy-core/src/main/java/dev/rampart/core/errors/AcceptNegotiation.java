package dev.rampart.core.errors;

/**
 * Proactive negotiation (RFC 9110 §12.5.1) between the two error formats, {@code application/json}
 * and {@code application/problem+json}.
 *
 * <p>Written by hand rather than with a general media-type library because it runs for every error
 * and the problem is small: there are only two offered types, so one pass over the header keeps, for
 * each of them, the weight of the most specific matching media range, and allocates nothing.
 *
 * <p>The rules, chosen to be what a client expects and never to surprise one that did not ask:
 * <ul>
 *   <li>A type's weight comes from the most specific range that matches it: {@code type/subtype}
 *       beats {@code type/*}, which beats {@code *}{@code /*}. A type no range matches has weight 0.
 *       Among equally specific ranges the highest weight counts (a client that lists a type twice
 *       accepts it).</li>
 *   <li>Parameters other than {@code q} are parsed but do not take part in matching: JSON is always
 *       UTF-8 and neither type defines parameters, so {@code application/json; charset=utf-8} means
 *       {@code application/json}.</li>
 *   <li>Problem details are chosen only when their weight is strictly greater than the envelope's.
 *       Ties ({@code *}{@code /*}, {@code application/*}, both listed with the same weight) and "neither
 *       acceptable" give the envelope, the contract's default; an error is never answered with 406.</li>
 *   <li>A malformed header (a range without {@code /}, a non-token character, {@code *}{@code /json},
 *       a weight outside the {@code qvalue} grammar, an unterminated quoted string) gives the envelope:
 *       a header the proxy cannot read cannot be said to prefer anything.</li>
 *   <li>Empty list elements ({@code a/b,,c/d}) are allowed, as RFC 9110 §5.6.1 asks of recipients.
 *       Several {@code Accept} field lines are joined with {@code ", "} by the caller.</li>
 * </ul>
 */
final class AcceptNegotiation {

    /** Weights are in thousandths: {@code q=0.5} is 500, no {@code q} is 1000. */
    static final int FULL_WEIGHT = 1000;

    private static final int NO_MATCH = 0;
    private static final int ANY_TYPE = 1;
    private static final int ANY_SUBTYPE = 2;
    private static final int EXACT = 3;

    private AcceptNegotiation() {
    }

    /** The format an error should be rendered in for this {@code Accept} value (null when absent). */
    static ErrorFormat negotiate(String accept) {
        if (accept == null) {
            return ErrorFormat.ENVELOPE;
        }
        Weights weights = weights(accept);
        if (weights == null || weights.problem() <= weights.json()) {
            return ErrorFormat.ENVELOPE;
        }
        return ErrorFormat.PROBLEM_DETAILS;
    }

    /**
     * The weight of each offered type, in thousandths, or {@code null} when the header is malformed.
     * Exposed for tests, which check the parser apart from the choice made with it.
     */
    static Weights weights(String accept) {
        return new Parser(accept).parse();
    }

    /** Weights (0–1000) of {@code application/json} and {@code application/problem+json}. */
    record Weights(int json, int problem) {
    }

    /** One pass over one header value; not shared, so it may keep its position in fields. */
    private static final class Parser {
        private final String s;
        private final int n;
        private int i;
        private int jsonSpecificity = NO_MATCH;
        private int jsonWeight;
        private int problemSpecificity = NO_MATCH;
        private int problemWeight;

        Parser(String s) {
            this.s = s;
            this.n = s.length();
        }

        Weights parse() {
            while (true) {
                skipSeparators();
                if (i >= n) {
                    return new Weights(jsonWeight, problemWeight);
                }
                if (!mediaRange()) {
                    return null;
                }
                skipWhitespace();
                if (i < n && s.charAt(i) != ',') {
                    return null;
                }
            }
        }

        /** Parses one media range with its parameters and records what it matches; false when malformed. */
        private boolean mediaRange() {
            int typeStart = i;
            int typeEnd = token();
            if (typeEnd == typeStart || i >= n || s.charAt(i) != '/') {
                return false;
            }
            i++;
            int subtypeStart = i;
            int subtypeEnd = token();
            if (subtypeEnd == subtypeStart) {
                return false;
            }
            boolean anyType = isStar(typeStart, typeEnd);
            boolean anySubtype = isStar(subtypeStart, subtypeEnd);
            if (anyType && !anySubtype) {
                return false;
            }
            int weight = FULL_WEIGHT;
            boolean weightSeen = false;
            while (true) {
                int beforeWhitespace = i;
                skipWhitespace();
                if (i >= n || s.charAt(i) != ';') {
                    i = beforeWhitespace;
                    break;
                }
                i++;
                skipWhitespace();
                if (i >= n || !isTchar(s.charAt(i))) {
                    continue; // an empty parameter, allowed by RFC 9110's "[ parameter ]"
                }
                int nameStart = i;
                int nameEnd = token();
                if (i >= n || s.charAt(i) != '=') {
                    return false;
                }
                i++;
                boolean isWeight = nameEnd - nameStart == 1 && (s.charAt(nameStart) | 0x20) == 'q';
                if (isWeight && !weightSeen) {
                    weight = qvalue();
                    if (weight < 0) {
                        return false;
                    }
                    weightSeen = true;
                } else if (!parameterValue()) {
                    return false;
                }
            }
            record(typeStart, typeEnd, subtypeStart, subtypeEnd, anyType, anySubtype, weight);
            return true;
        }

        private void record(int typeStart, int typeEnd, int subtypeStart, int subtypeEnd,
                            boolean anyType, boolean anySubtype, int weight) {
            int json;
            int problem;
            if (anyType) {
                json = ANY_TYPE;
                problem = ANY_TYPE;
            } else if (!equalsIgnoreCase(typeStart, typeEnd, "application")) {
                return;
            } else if (anySubtype) {
                json = ANY_SUBTYPE;
                problem = ANY_SUBTYPE;
            } else {
                json = equalsIgnoreCase(subtypeStart, subtypeEnd, "json") ? EXACT : NO_MATCH;
                problem = equalsIgnoreCase(subtypeStart, subtypeEnd, "problem+json") ? EXACT : NO_MATCH;
            }
            if (json > jsonSpecificity || (json == jsonSpecificity && json != NO_MATCH && weight > jsonWeight)) {
                jsonSpecificity = json;
                jsonWeight = weight;
            }
            if (problem > problemSpecificity
                    || (problem == problemSpecificity && problem != NO_MATCH && weight > problemWeight)) {
                problemSpecificity = problem;
                problemWeight = weight;
            }
        }

        /** {@code qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )}, in thousandths; -1 when invalid. */
        private int qvalue() {
            if (i >= n) {
                return -1;
            }
            char first = s.charAt(i++);
            if (first != '0' && first != '1') {
                return -1;
            }
            int value = first == '1' ? FULL_WEIGHT : 0;
            if (i < n && s.charAt(i) == '.') {
                i++;
                int scale = 100;
                int digits = 0;
                while (i < n && digits < 3 && isDigit(s.charAt(i))) {
                    value += (s.charAt(i++) - '0') * scale;
                    scale /= 10;
                    digits++;
                }
            }
            if (value > FULL_WEIGHT || (i < n && isTchar(s.charAt(i)))) {
                return -1; // "1.5", "0.1234", "0.5x"
            }
            return value;
        }

        /** {@code token / quoted-string}; false when neither. */
        private boolean parameterValue() {
            if (i < n && s.charAt(i) == '"') {
                return quotedString();
            }
            int start = i;
            return token() > start;
        }

        private boolean quotedString() {
            i++; // the opening quote
            while (i < n) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return true;
                }
                if (c == '\\') {
                    if (i >= n || !isQuotedPairChar(s.charAt(i))) {
                        return false;
                    }
                    i++;
                } else if (!isQdtext(c)) {
                    return false;
                }
            }
            return false; // unterminated
        }

        /** Advances over a token and returns its end (equal to the start when there is none). */
        private int token() {
            while (i < n && isTchar(s.charAt(i))) {
                i++;
            }
            return i;
        }

        private void skipWhitespace() {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }

        private void skipSeparators() {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == ',')) {
                i++;
            }
        }

        private boolean isStar(int start, int end) {
            return end - start == 1 && s.charAt(start) == '*';
        }

        private boolean equalsIgnoreCase(int start, int end, String expected) {
            return end - start == expected.length() && s.regionMatches(true, start, expected, 0, expected.length());
        }
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** RFC 9110 {@code tchar}. */
    static boolean isTchar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c)) {
            return true;
        }
        switch (c) {
            case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
            case '-': case '.': case '^': case '_': case '`': case '|': case '~':
                return true;
            default:
                return false;
        }
    }

    private static boolean isQdtext(char c) {
        return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)
                || (c >= 0x80 && c <= 0xFF);
    }

    private static boolean isQuotedPairChar(char c) {
        return c == '\t' || (c >= 0x20 && c <= 0x7E) || (c >= 0x80 && c <= 0xFF);
    }
}
