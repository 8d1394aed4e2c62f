package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link FieldList} answers as Netty's {@code DefaultHttpHeaders} (without validation, as the forwarded heads
 * used it) does: the same random edits applied to both leave the same lines in the same order, and every
 * read gives the same answer. The encoders write the lines in iteration order, so equal order is equal bytes.
 */
class FieldListTest {

    private static final CharSequence[] NAMES = {
        "Host", "host", HttpHeaderNames.HOST, "X-Forwarded-For", "x-forwarded-for", "Via",
        HttpHeaderNames.TRANSFER_ENCODING, "transfer-encoding", "Content-Length", "X-Empty", "a", "bad name",
        "a:b", "",
    };
    private static final CharSequence[] VALUES = {
        "chunked", "gzip, chunked", " chunked ", "gzip,chunked,", "CHUNKED", "chunked\t, gzip", "", ",", "a,b",
        new AsciiString("10.0.0.1"), "12", "x12", "Tue, 15 Oct 2024 08:12:31 GMT",
    };
    /** With values a decoder's map refuses: a bare CR or LF, a NUL. */
    private static final CharSequence[] CHECKED_VALUES = {
        "chunked", "gzip, chunked", "", "a\r\nInjected: 1", "a\nb", "a\u0000b", "\tx", "12", "x12",
    };

    @Test
    void randomEditsLeaveTheSameLinesInTheSameOrderAsNettysMap() {
        compareUnderRandomEdits(() -> DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders(),
                FieldList::new, VALUES);
    }

    @Test
    void aDecodedHeadChecksNamesAndValuesAsNettysDecoderMapDoes() {
        compareUnderRandomEdits(DefaultHttpHeadersFactory.headersFactory()::newHeaders, FieldListFactory.heads(Integer.MAX_VALUE)::newHeaders,
                CHECKED_VALUES);
    }

    @Test
    void decodedTrailersRefuseWhatNettysTrailerMapRefuses() {
        compareUnderRandomEdits(DefaultHttpHeadersFactory.trailersFactory()::newHeaders,
                FieldListFactory.trailers(Integer.MAX_VALUE)::newHeaders, CHECKED_VALUES);
    }

    private static void compareUnderRandomEdits(Supplier<HttpHeaders> nettys, Supplier<HttpHeaders> ours,
                                                CharSequence[] values) {
        Random random = new Random(20261204L);
        for (int round = 0; round < 100; round++) {
            HttpHeaders expected = nettys.get();
            HttpHeaders actual = ours.get();
            for (int step = 0; step < 30; step++) {
                edit(random, values, expected, actual);
                assertSameAnswers(expected, actual);
            }
            assertSameAnswers(expected.copy(), actual.copy());
        }
    }

    /** One random edit applied to both: each succeeds or fails the same way, a failure changing nothing. */
    private static void edit(Random random, CharSequence[] values, HttpHeaders expected, HttpHeaders actual) {
        CharSequence name = NAMES[random.nextInt(NAMES.length)];
        CharSequence value = values[random.nextInt(values.length)];
        CharSequence other = values[random.nextInt(values.length)];
        int number = random.nextInt(1000);
        int skip = random.nextInt(Math.max(1, actual.size()));
        Date date = new Date(1_700_000_000_000L + random.nextInt(1_000_000) * 1000L);
        boolean clear = random.nextInt(8) == 0;
        int kind = random.nextInt(10);
        Consumer<HttpHeaders> change = switch (kind) {
            case 0, 1, 2 -> h -> h.add(name, value);
            case 3, 4 -> h -> h.set(name, value);
            case 5 -> h -> h.remove(name);
            case 6 -> h -> h.set(name, List.of(value, other));
            case 7 -> h -> h.addInt(name, number);
            case 8 -> h -> replaceThroughEntry(h, skip, value);
            default -> clear ? HttpHeaders::clear : h -> h.add(name, date);
        };
        assertEquals(outcome(change, expected), outcome(change, actual), () -> "edit " + kind + " of " + name + ": " + value + " in " + lines(actual));
    }

    private static String outcome(Consumer<HttpHeaders> change, HttpHeaders headers) {
        try {
            change.accept(headers);
            return "done";
        } catch (RuntimeException refused) {
            return refused.getClass().getSimpleName();
        }
    }

    private static void replaceThroughEntry(HttpHeaders headers, int skip, CharSequence value) {
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        for (int i = 0; i <= skip && it.hasNext(); i++) {
            Map.Entry<CharSequence, CharSequence> entry = it.next();
            if (i == skip) {
                entry.setValue(value);
            }
        }
    }

    private static void assertSameAnswers(HttpHeaders expected, HttpHeaders actual) {
        assertEquals(lines(expected), lines(actual));
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.isEmpty(), actual.isEmpty());
        assertEquals(lowerCased(expected.names()), lowerCased(actual.names()));
        assertEquals(expected.entries().toString(), actual.entries().toString());
        for (CharSequence name : NAMES) {
            assertEquals(expected.get(name), actual.get(name), "get " + name);
            assertEquals(expected.getAll(name), actual.getAll(name), "getAll " + name);
            assertEquals(expected.contains(name), actual.contains(name), "contains " + name);
            assertEquals(expected.getInt(name), actual.getInt(name), "getInt " + name);
            assertEquals(timeOrNull(expected, name), actual.getTimeMillis(name), "getTimeMillis " + name);
            assertEquals(expected.getAll(name), toStrings(actual.valueCharSequenceIterator(name)), name.toString());
            for (CharSequence value : List.of("chunked", "gzip", "CHUNKED", "", "a,b", "12")) {
                for (boolean ignoreCase : new boolean[] {true, false}) {
                    assertEquals(expected.contains(name, value, ignoreCase), actual.contains(name, value, ignoreCase),
                            "contains " + name + ": " + value + " " + ignoreCase);
                    assertEquals(expected.containsValue(name, value, ignoreCase),
                            actual.containsValue(name, value, ignoreCase),
                            "containsValue " + name + ": " + value + " " + ignoreCase + " in " + lines(actual));
                }
            }
        }
    }

    /** Netty's map throws where its documentation promises null (a value that is not a date): null here. */
    private static Long timeOrNull(HttpHeaders headers, CharSequence name) {
        try {
            return headers.getTimeMillis(name);
        } catch (Exception notADate) { // a ParseException, thrown unchecked
            return null;
        }
    }

    private static List<String> lines(HttpHeaders headers) {
        List<String> lines = new ArrayList<>();
        headers.iteratorCharSequence().forEachRemaining(e -> lines.add(e.getKey() + ": " + e.getValue()));
        return lines;
    }

    private static Set<String> lowerCased(Set<String> names) {
        Set<String> lower = new TreeSet<>();
        names.forEach(n -> lower.add(n.toLowerCase(Locale.ROOT)));
        return lower;
    }

    private static List<String> toStrings(Iterator<? extends CharSequence> values) {
        List<String> strings = new ArrayList<>();
        values.forEachRemaining(v -> strings.add(v.toString()));
        return strings;
    }

    @Test
    void aNullValueIsRefusedAndLeavesTheLinesAsTheyWere() {
        HttpHeaders headers = new FieldList().add("Via", "1.1 a");
        assertThrows(NullPointerException.class, () -> headers.set("Via", (Object) null));
        assertEquals("1.1 a", headers.get("via"));
    }

    @Test
    void itsIteratorIsReadOnlyAsNettysIs() {
        HttpHeaders headers = new FieldList().add("A", "1").add("B", "2");
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertEquals(2, headers.size());
    }
}
