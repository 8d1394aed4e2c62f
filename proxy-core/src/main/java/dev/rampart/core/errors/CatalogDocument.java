package dev.rampart.core.errors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.OptionalInt;
import java.util.StringJoiner;

/**
 * Generates {@code docs/errors.md} from the code, so that the published catalog cannot drift from it:
 * the table comes from {@link Reason}, and the example bodies and headers are rendered by
 * {@link ErrorRenderer} itself. {@code CatalogDocumentTest} fails when the committed file differs, and
 * rewrites it with {@value #REGENERATE_COMMAND}.
 */
public final class CatalogDocument {

    /** How to bring {@code docs/errors.md} up to date. */
    public static final String REGENERATE_COMMAND =
            "mvn -pl proxy-core test -Dtest=CatalogDocumentTest -Drampart.regenerateDocs=true";

    private static final String EXAMPLE_REQUEST_ID = "8f14e45f-ceea-4f6a-9b9e-3f1c2a7d9b10";

    private CatalogDocument() {
    }

    /** The whole of {@code docs/errors.md}. */
    public static String render() {
        ErrorRenderer renderer = new ErrorRenderer("rampart", "X-Request-Id");
        ErrorContext circuitOpen = ErrorContext.of(Reason.CIRCUIT_OPEN, EXAMPLE_REQUEST_ID, "default", "app", 0)
                .withRetryAfterSeconds(5);
        RenderedError envelope = renderer.render(circuitOpen, ErrorFormat.ENVELOPE);
        RenderedError problem = renderer.render(circuitOpen, ErrorFormat.PROBLEM_DETAILS);
        ErrorContext upstreamError = new ErrorContext(Reason.UPSTREAM_ERROR, 503, EXAMPLE_REQUEST_ID, "default",
                "app", 3, circuitOpen.retryAfterSeconds(), OptionalInt.of(503), null);

        StringBuilder md = new StringBuilder(8192);
        md.append("# Errors\n\n")
          .append("<!-- Generated from dev.rampart.core.errors.Reason by CatalogDocument. Do not edit by hand;\n")
          .append("     regenerate with: ").append(REGENERATE_COMMAND).append(" -->\n\n")
          .append("Every error Rampart answers itself on its proxy listener, and every upstream error response that a\n")
          .append("route's `errors.rewrite-upstream` covers, has one shape and one of the reasons below. The upstream's\n")
          .append("own body is dropped (unless `errors.rewrite-upstream-json = false` keeps a JSON one). Not errors, and\n")
          .append("so not in this shape: a `respond` route's answer and a CORS preflight's 204. The admin listener\n")
          .append("answers its own errors (an unknown path, a wrong method, a bad head) with a short\n")
          .append("`{\"error\":\"not_found\"}`-style body instead (`not_found`, `method_not_allowed`, `bad_request`,\n")
          .append("`request_header_fields_too_large`, `payload_too_large`, `expectation_failed`, `internal_error`): it\n")
          .append("speaks to operators and their tools, not to clients.\n\n");

        md.append("## The envelope\n\n")
          .append("The default, with `Content-Type: ").append(envelope.contentType()).append("`:\n\n")
          .append("```json\n").append(pretty(envelope.body())).append("\n```\n\n")
          .append("- `code` is the HTTP status of the response; `reason` is from the catalog, stable across releases.\n")
          .append("- `message` is the reason's fixed message for people; it never carries anything of the upstream.\n")
          .append("- `metadata` values are always strings. `route` and `upstream` are absent when unknown;\n")
          .append("  `retry_after` (seconds) is present only when a delay is known.\n\n");

        md.append("## Problem details (RFC 9457)\n\n")
          .append("When the request's `Accept` weights `application/problem+json` strictly above `application/json`\n")
          .append("(e.g. `Accept: application/problem+json`), the same error is rendered with\n")
          .append("`Content-Type: ").append(problem.contentType()).append("`. A missing or malformed `Accept`, `*/*`,\n")
          .append("`application/*` or a tie gives the envelope. So does an error about a request head that could\n")
          .append("not be read whole (431 `REQUEST_HEADERS_TOO_LARGE`, 414 `URI_TOO_LONG`, a 408 `REQUEST_TIMEOUT` for\n")
          .append("a head cut off mid-way, a 400 for an unparseable request line or header): its `Accept` was never\n")
          .append("read. The example above becomes:\n\n")
          .append("```json\n").append(pretty(problem.body())).append("\n```\n\n")
          .append("- `type` is `").append(Reason.PROBLEM_TYPE_BASE)
          .append("` followed by the reason in lower case with `-` for `_`\n")
          .append("  (`").append(Reason.CIRCUIT_OPEN.problemType()).append("`).\n")
          .append("- `title` is the reason's message and `detail` repeats it (the occurrence is identified by\n")
          .append("  `instance` and the extension members); `instance` is `urn:request:` followed by the request id\n")
          .append("  (percent-encoded where needed).\n")
          .append("- Extension members use JSON types: `reason` and `request_id` are strings, `retryable` is a\n")
          .append("  boolean, `attempts` and `retry_after` (only when known) are numbers.\n\n");

        md.append("## Headers\n\n")
          .append("```\n").append(headers(envelope)).append("```\n\n")
          .append("- The request id header (`request-id.header`) on every error.\n")
          .append("- `Proxy-Status` (RFC 9209) names the proxy and the reason's error type (no `details`: nothing\n")
          .append("  about the occurrence that could carry upstream internals). A rewritten upstream error carries `received-status`\n")
          .append("  instead of an error type: `").append(renderer.render(upstreamError, ErrorFormat.ENVELOPE)
                  .header(ProxyStatus.HEADER_NAME).orElseThrow()).append("`.\n")
          .append("- `Retry-After` (seconds) when a delay is known: `CIRCUIT_OPEN` (until the first half-open),\n")
          .append("  `UPSTREAM_OVERLOADED`, `RATE_LIMITED` (until the route's bucket has a token), and an upstream\n")
          .append("  413/429/503 that carried one (an HTTP-date turned into the seconds it is after the response's own\n")
          .append("  `Date`, so an upstream clock that is off ours changes nothing, or without one the seconds left by ours;\n")
          .append("  one not ahead into 0; at most 2147483648, as RFC 9111 caps delta-seconds).\n\n");

        md.append("## Reasons\n\n")
          .append("| reason | status | retryable | RFC 9209 error | when |\n")
          .append("|---|---|---|---|---|\n");
        for (Reason reason : Reason.values()) {
            md.append("| ").append(reason.name())
              .append(" | ").append(statusCell(reason))
              .append(" | ").append(retryableCell(reason))
              .append(" | ").append(reason.proxyStatusError() == null
                      ? "(none; `received-status`)" : reason.proxyStatusError())
              .append(" | ").append(reason.when().replace("|", "\\|"))
              .append(" |\n");
        }
        md.append("\nA client that goes away gets no response: the access log records reason `CLIENT_CLOSED`, which is\n")
          .append("therefore not in the catalog, with status 499 when nothing of the response had been sent, else the\n")
          .append("status that was (as nginx logs an abandoned download with its 200).\n")
          .append("\nA response that the upstream breaks off after its head was relayed cannot become an envelope:\n")
          .append("the client connection is cut before the body's end (a chunked body never gets its last chunk),\n")
          .append("once the client has been sent what the upstream did send, or has taken none of it for\n")
          .append("`server.idle-timeout`.\n")
          .append("The access log keeps the status that was sent, with reason `UPSTREAM_RESET` (the upstream\n")
          .append("closed or reset the connection) or `UPSTREAM_BAD_RESPONSE` (a malformed body), and the\n")
          .append("endpoint's breaker counts a failure.\n")
          .append("One that the upstream stops sending, while the client takes all it is sent, is cut the same way\n")
          .append("after the route's `response-idle-timeout` (when set) or `server.idle-timeout`: the access log\n")
          .append("keeps the status sent with reason `GATEWAY_TIMEOUT`, and the breaker counts a timeout.\n");
        return md.toString();
    }

    /** {@link Reason#UPSTREAM_ERROR} answers with the upstream's status; every other reason with its own. */
    private static String statusCell(Reason reason) {
        return reason.usesUpstreamStatus() ? "the upstream's" : Integer.toString(reason.status());
    }

    /** For the upstream's status, the statuses that make it retryable, as {@link Reason#retryable(int)} says. */
    private static String retryableCell(Reason reason) {
        if (!reason.usesUpstreamStatus()) {
            return Boolean.toString(reason.retryable());
        }
        StringJoiner retryable = new StringJoiner("/", "", ": true, else false");
        for (int status = 400; status < 600; status++) {
            if (reason.retryable(status)) {
                retryable.add(Integer.toString(status));
            }
        }
        return retryable.toString();
    }

    private static String headers(RenderedError error) {
        StringBuilder out = new StringBuilder();
        error.headers().forEach(h -> out.append(h.getKey()).append(": ").append(h.getValue()).append('\n'));
        return out.toString();
    }

    private static String pretty(byte[] json) {
        JsonFactory factory = new JsonFactory();
        StringWriter out = new StringWriter();
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        printer.indentObjectsWith(new DefaultIndenter("  ", "\n")); // not the platform's line separator
        try (JsonParser parser = factory.createParser(json);
             JsonGenerator generator = factory.createGenerator(out).setPrettyPrinter(printer)) {
            parser.nextToken();
            generator.copyCurrentStructure(parser);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
