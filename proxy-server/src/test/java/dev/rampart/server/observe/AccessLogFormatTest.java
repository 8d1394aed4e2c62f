package dev.rampart.server.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.rampart.core.observe.ExchangeRecord;
import dev.rampart.core.observe.TraceContext;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The line is assembled by hand for speed; these tests hold it to what Jackson's own generator writes for
 * the same record, for hostile strings and for timestamps on every side of a second boundary.
 */
class AccessLogFormatTest {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final AccessLogFormat format = new AccessLogFormat();

    @Test
    void escapesEveryStringExactlyAsJacksonsGeneratorDoes() throws IOException {
        String[] hostile = {
                "", "plain", "quote\"back\\slash", "line\nbreak\rreturn\ttab", "\u0000nul\u0001\u001f\u007f",
                "slash/and</script>", "caf\u00e9 \u2028 \u2029", "emoji \ud83d\ude00", "lone \ud83d surrogate",
                "\u00ff\u0100\uffff",
        };
        for (String s : hostile) {
            ExchangeRecord record = new ExchangeRecord(1_700_000_000_123L, s, s, s, s, 502, s, s, s, s, 3, 10, 20,
                    1_234_567, 999, s, s, null);
            assertEquals(reference(record), format.format(record), () -> "for " + s.codePoints().boxed().toList());
        }
    }

    @Test
    void randomTextAndNumbersMatchTheGenerator() throws IOException {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        for (int i = 0; i < 2_000; i++) {
            ExchangeRecord record = new ExchangeRecord(random.nextLong(4_000_000_000_000L), text(random),
                    text(random), text(random), text(random), random.nextInt(600), random.nextBoolean() ? null : text(random),
                    random.nextBoolean() ? null : text(random), text(random), text(random), random.nextInt(5),
                    random.nextLong(1L << 40), random.nextLong(1L << 40), random.nextLong(1L << 45),
                    random.nextBoolean() ? -1 : random.nextLong(1L << 45), random.nextBoolean() ? null : text(random),
                    random.nextBoolean() ? null : text(random), random.nextBoolean() ? null : TraceContext.generate());
            assertEquals(reference(record), format.format(record), "seed " + seed + ", record " + i);
        }
    }

    @Test
    void theCachedSecondNeverLeaksIntoTheNextOrPreviousSecond() throws IOException {
        long[] times = {
                1_700_000_000_999L, 1_700_000_001_000L, 1_700_000_001_001L, 1_700_000_000_500L, 1_700_000_001_999L,
                1_700_000_002_000L, 0L, 999L, 1_000L,
        };
        for (long t : times) {
            ExchangeRecord record = new ExchangeRecord(t, "r", "c", "GET", "/", 200, null, "a", "b", "c", 1, 0, 0, 0, 0);
            assertEquals(reference(record), format.format(record), "at " + t);
        }
    }

    private static String text(Random random) {
        StringBuilder sb = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(4);
            if (kind == 0) {
                sb.append((char) random.nextInt(0x20)); // control characters
            } else if (kind == 1) {
                sb.append("\"\\/".charAt(random.nextInt(3)));
            } else if (kind == 2) {
                sb.append((char) random.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
            } else {
                sb.append((char) (0x20 + random.nextInt(0x5f)));
            }
        }
        return sb.toString();
    }

    /** The line as Jackson's streaming generator writes it, field by field. */
    private static String reference(ExchangeRecord record) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", TIME.format(Instant.ofEpochMilli(record.epochMillis())));
            g.writeStringField("request_id", record.requestId());
            g.writeStringField("client", record.client());
            g.writeStringField("method", record.method());
            g.writeStringField("path", ClientText.readable(record.path()));
            g.writeNumberField("status", record.status());
            g.writeStringField("reason", record.reason());
            g.writeStringField("route", record.route());
            g.writeStringField("upstream", record.upstream());
            g.writeStringField("endpoint", record.endpoint());
            g.writeNumberField("attempts", record.attempts());
            g.writeNumberField("bytes_in", record.bytesIn());
            g.writeNumberField("bytes_out", record.bytesOut());
            g.writeFieldName("duration_ms");
            g.writeNumber(AccessLogFormat.millis(record.durationNanos()));
            g.writeFieldName("upstream_ms");
            if (record.upstreamNanos() < 0) {
                g.writeNull();
            } else {
                g.writeNumber(AccessLogFormat.millis(record.upstreamNanos()));
            }
            g.writeStringField("host", ClientText.readable(record.host()));
            g.writeStringField("user_agent", ClientText.readable(record.userAgent()));
            g.writeStringField("trace_id", record.traceparent() == null ? null : record.traceparent().split("-")[1]);
            g.writeEndObject();
        }
        return out.toString();
    }
}
