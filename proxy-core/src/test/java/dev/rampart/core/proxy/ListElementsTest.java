package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The elements of a comma-separated line, RFC 9110 §5.6.1: split at commas, trimmed of spaces and tabs. */
class ListElementsTest {

    @Test
    void theCursorGivesEachNonEmptyElementTrimmedInOrder() {
        assertEquals(List.of("a", "b", "c"), elements("a,b,c"));
        assertEquals(List.of("a", "b"), elements(" a ,\tb\t"));
        assertEquals(List.of("a", "b"), elements(",a,,b,"), "leading, doubled and trailing commas");
        assertEquals(List.of("a", "b"), elements(" , a , \t, b , "));
        assertEquals(List.of("x y", "z"), elements("x y, z"), "white space inside an element stays");
        assertEquals(List.of("gzip;q=0.5", "br ; q=1"), elements("gzip;q=0.5, br ; q=1"));
        assertEquals(List.of("solo"), elements("solo"));
    }

    @Test
    void aLineOfNoElementsGivesNone() {
        for (String line : new String[] {"", " ", "\t", " \t ", ",", ",,", " , \t,  "}) {
            assertEquals(List.of(), elements(line), "[" + line + "]");
        }
    }

    @Test
    void aQuotedCommaSeparatesAsAnyOther() {
        assertEquals(List.of("no-cache=\"a", "b\"", "max-age=0"), elements("no-cache=\"a, b\", max-age=0"));
        assertTrue(ListElements.lists("private=\"a, b\"", "b\"", true));
        assertFalse(ListElements.lists("private=\"a, b\"", "b", true));
    }

    @Test
    void aVeryLongLineIsWalkedWhole() {
        StringBuilder line = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            line.append(i % 3 == 0 ? " ,\t" : ", ").append("e").append(i);
            expected.add("e" + i);
        }
        assertEquals(expected, elements(line.toString()));
        assertTrue(ListElements.lists(line, "E19999", true));
        assertFalse(ListElements.lists(line, "e20000", true));
    }

    @Test
    void theLinesOfAFieldAreOneList() {
        assertEquals(List.of("a", "b", "c"), elements(List.of("a, b", "", " ,", ",c,")));
        assertEquals(List.of(), elements(List.of()), "no line");
        assertEquals(List.of(), elements(List.of("", " , ")));
        ListElements.Cursor ended = ListElements.of(List.of("a"));
        assertTrue(ended.next());
        assertFalse(ended.next());
        assertFalse(ended.next(), "a walk ended stays ended");
    }

    @Test
    void theCursorComparesAnElementInPlace() {
        ListElements.Cursor cursor = ListElements.of(List.of(" Keep-Alive , close"));
        assertTrue(cursor.next());
        assertTrue(cursor.is("keep-alive", true));
        assertFalse(cursor.is("keep-alive", false));
        assertTrue(cursor.is("Keep-Alive", false));
        assertFalse(cursor.is("keep-aliv", true));
        assertTrue(cursor.next());
        assertTrue(cursor.is("CLOSE", true));
        assertFalse(cursor.next());
    }

    @Test
    void listsCountsEmptyElementsButNotAfterALastCommaAsNettyDoes() {
        String[] lines = {"", " ", "a", "a,", "a, ", ",a", "a,,b", " a , b ", "a,b,", "\tgzip\t,chunked"};
        String[] elements = {"", "a", "b", "A", "gzip", "chunked", "a,b"};
        for (String line : lines) {
            // Unvalidated, as a value with white space at its ends is not one Netty would take from a caller.
            HttpHeaders netty = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders()
                    .add("X", line);
            for (String element : elements) {
                for (boolean ignoreCase : new boolean[] {true, false}) {
                    assertEquals(netty.containsValue("X", element, ignoreCase),
                            ListElements.lists(line, element, ignoreCase),
                            "[" + line + "] lists [" + element + "] " + ignoreCase);
                }
            }
        }
    }

    @Test
    void isOnlyIsOneElementAloneWithoutAComma() {
        assertTrue(ListElements.isOnly(" Keep-Alive\t", "keep-alive"));
        assertFalse(ListElements.isOnly("keep-alive,", "keep-alive"));
        assertFalse(ListElements.isOnly("keep-alive, close", "keep-alive"));
        assertFalse(ListElements.isOnly("keep-alive-x", "keep-alive"));
    }

    private static List<String> elements(String line) {
        return elements(List.of(line));
    }

    private static List<String> elements(List<String> lines) {
        List<String> elements = new ArrayList<>();
        ListElements.Cursor cursor = ListElements.of(lines);
        while (cursor.next()) {
            elements.add(cursor.element());
        }
        return elements;
    }
}
