package dev.rampart.server.observe;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.rampart.core.observe.ExchangeRecord;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * One access-log line as a JSON object (PRODUCT.md §3.7). Every string value that holds a control
 * character, a quote or a backslash (anything a client puts in a path or a request id, say) goes through
 * Jackson's {@link JsonStringEncoder}, so it is escaped, never spliced into the line: line breaks are
 * escaped, so one exchange is always exactly one line; strings with nothing to escape are appended as
 * they are. The keys and numbers are the format's own, so the line is assembled in one
 * {@link StringBuilder} rather than through a {@code JsonGenerator} over a {@code StringWriter}: formatting
 * was most of the log's drain thread, whose CPU per request this took from ~1.6 to ~0.9 µs with a 10 ms
 * drain delay (docs/performance.md, "Throughput work"). AccessLogFormatTest holds the two to the same
 * output.
 *
 * <p>Every line has every key, in a fixed order, so log pipelines see one schema: an absent string (no
 * reason on success, no route matched, no upstream reached) and an unknown {@code upstream_ms} are
 * {@code null}. {@code time} always has milliseconds; durations are milliseconds with three decimals,
 * written as plain decimals (never exponent form).
 */
final class AccessLogFormat {

    /** Enough for a typical line, so the buffer grows at most once. */
    static final int INITIAL_CAPACITY = 384;

    private static final DateTimeFormatter TO_THE_SECOND =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);

    private static final JsonStringEncoder ESCAPER = JsonStringEncoder.getInstance();

    /**
     * The formatted time of the last second seen: lines come many per second, so the date and time are
     * formatted once a second and only the milliseconds per line. Replaced whole (an immutable pair), so
     * threads formatting at once at worst each format the same second.
     */
    private volatile SecondPrefix lastSecond = new SecondPrefix(Long.MIN_VALUE, "");

    /** The JSON object for {@code record}, without a line terminator. */
    String format(ExchangeRecord record) {
        StringBuilder line = new StringBuilder(INITIAL_CAPACITY);
        line.append("{\"time\":\"");
        appendTime(line, record.epochMillis());
        line.append('"');
        stringField(line, "request_id", record.requestId());
        stringField(line, "client", record.client());
        stringField(line, "method", record.method());
        stringField(line, "path", ClientText.readable(record.path()));
        line.append(",\"status\":").append(record.status());
        stringField(line, "reason", record.reason());
        stringField(line, "route", record.route());
        stringField(line, "upstream", record.upstream());
        stringField(line, "endpoint", record.endpoint());
        line.append(",\"attempts\":").append(record.attempts());
        line.append(",\"bytes_in\":").append(record.bytesIn());
        line.append(",\"bytes_out\":").append(record.bytesOut());
        line.append(",\"duration_ms\":");
        appendMillis(line, record.durationNanos());
        line.append(",\"upstream_ms\":");
        if (record.upstreamNanos() < 0) {
            line.append("null");
        } else {
            appendMillis(line, record.upstreamNanos());
        }
        stringField(line, "host", ClientText.readable(record.host()));
        stringField(line, "user_agent", ClientText.readable(record.userAgent()));
        stringField(line, "trace_id", record.traceId());
        return line.append('}').toString();
    }

    private static void stringField(StringBuilder line, String key, String value) {
        line.append(",\"").append(key).append("\":");
        if (value == null) {
            line.append("null");
        } else if (needsEscaping(value)) {
            line.append('"');
            ESCAPER.quoteAsString(value, line);
            line.append('"');
        } else {
            line.append('"').append(value).append('"'); // the common case: ids, addresses, names
        }
    }

    /** Whether JSON needs anything in {@code value} escaped: a control character, a quote or a backslash. */
    private static boolean needsEscaping(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private void appendTime(StringBuilder line, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        SecondPrefix prefix = lastSecond;
        if (prefix.epochSecond != second) {
            prefix = new SecondPrefix(second, TO_THE_SECOND.format(Instant.ofEpochSecond(second)));
            lastSecond = prefix;
        }
        appendThreeDigits(line.append(prefix.text), Math.floorMod(epochMillis, 1000)).append('Z');
    }

    /** Nanoseconds as milliseconds with exactly three decimals, e.g. {@code 12.345}; negatives clamp to 0. */
    static String millis(long nanos) {
        return appendMillis(new StringBuilder(12), nanos).toString();
    }

    private static StringBuilder appendMillis(StringBuilder sb, long nanos) {
        long micros = (Math.max(0, nanos) + 500) / 1000;
        return appendThreeDigits(sb.append(micros / 1000).append('.'), micros % 1000);
    }

    private static StringBuilder appendThreeDigits(StringBuilder sb, long value) {
        if (value < 100) {
            sb.append('0');
        }
        if (value < 10) {
            sb.append('0');
        }
        return sb.append(value);
    }

    private record SecondPrefix(long epochSecond, String text) {
    }
}
