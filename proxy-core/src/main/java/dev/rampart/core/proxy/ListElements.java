package dev.rampart.core.proxy;

import io.netty.util.AsciiString;

import java.util.List;

/**
 * The elements of a comma-separated header line (RFC 9110 §5.6.1: {@code Connection}, {@code Transfer-Encoding},
 * {@code Vary}, {@code Accept-Encoding}, ...), each trimmed of optional white space (spaces and tabs), read in
 * place without splitting the line: {@link #lists} asks a line about one element, {@link #of} walks every element
 * of a field's lines.
 *
 * <p>Every comma separates, a quoted one too: {@code no-cache="a, b"} is the elements {@code no-cache="a} and
 * {@code b"}. The lists read through here are of tokens, where a quote is not allowed at all, or are read for a
 * token that no quoted string holds in practice ({@code Cache-Control}'s {@code no-transform}), and reading quotes
 * would let one unmatched quote hide every element after it.
 */
public final class ListElements {

    private ListElements() {
    }

    /**
     * Whether {@code line} lists {@code element}, its ASCII letters' case ignored if asked. Empty elements count
     * ({@code ""} is listed by {@code "a,,b"} and by {@code ""}) except after a last comma, as Netty's
     * {@code containsValue} answers, which {@link FieldList} stands in for.
     */
    static boolean lists(CharSequence line, CharSequence element, boolean ignoreCase) {
        int start = 0;
        int length = line.length();
        while (start < length || start == 0) {
            int end = elementEnd(line, start, length);
            int from = trimmedStart(line, start, end);
            int to = trimmedEnd(line, from, end);
            if (to - from == element.length() && regionMatches(line, from, element, ignoreCase)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** Whether {@code line} is {@code element} alone, trimmed of spaces and tabs, its ASCII letters' case ignored. */
    static boolean isOnly(CharSequence line, CharSequence element) {
        return AsciiString.indexOf(line, ',', 0) < 0 && lists(line, element, true); // a line without a comma is one element
    }

    /**
     * A walk over the non-empty elements of a field's {@code lines}, each trimmed, in order, as one list (RFC 9110
     * §5.3: several lines are one comma-separated value), read in place:
     * {@code Cursor e = ListElements.of(lines); while (e.next()) { ... e.element() ... }}.
     */
    public static Cursor of(List<? extends CharSequence> lines) {
        return new Cursor(lines);
    }

    /** Where a walk over a field's elements stands: the line it reads and the element it is at. */
    public static final class Cursor {

        private final List<? extends CharSequence> lines;
        /** The next of {@link #lines} to read once {@link #line} has no element left. */
        private int nextLine;
        private CharSequence line = "";
        /** Where the element after the current one begins in {@link #line}; past its end when none is left. */
        private int next = 1;
        private int start;
        private int end;

        private Cursor(List<? extends CharSequence> lines) {
            this.lines = lines;
        }

        /** Moves to the next element that is not empty once trimmed; false when the lines have none left. */
        public boolean next() {
            while (true) {
                while (next <= line.length()) {
                    int comma = elementEnd(line, next, line.length());
                    start = trimmedStart(line, next, comma);
                    end = trimmedEnd(line, start, comma);
                    next = comma + 1;
                    if (start < end) {
                        return true;
                    }
                }
                if (nextLine >= lines.size()) {
                    return false;
                }
                line = lines.get(nextLine++);
                next = 0;
            }
        }

        /** The current element, trimmed, as a new string. */
        public String element() {
            return line.subSequence(start, end).toString();
        }

        /** Whether the current element is {@code other}, its ASCII letters' case ignored if asked; nothing copied. */
        public boolean is(CharSequence other, boolean ignoreCase) {
            return end - start == other.length() && regionMatches(line, start, other, ignoreCase);
        }
    }

    /** Where the element beginning at {@code from} ends: at the next comma, or at the line's end, {@code length}. */
    private static int elementEnd(CharSequence line, int from, int length) {
        int comma = AsciiString.indexOf(line, ',', from); // a String's own indexOf, which the JIT makes a vector scan
        return comma < 0 ? length : comma;
    }

    /** The first index in {@code [from, to)} after any spaces and tabs; {@code to} when there is only those. */
    private static int trimmedStart(CharSequence line, int from, int to) {
        while (from < to && isSpaceOrTab(line.charAt(from))) {
            from++;
        }
        return from;
    }

    /** The end of {@code [from, to)} before any trailing spaces and tabs. */
    private static int trimmedEnd(CharSequence line, int from, int to) {
        while (to > from && isSpaceOrTab(line.charAt(to - 1))) {
            to--;
        }
        return to;
    }

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    /** Optional white space (RFC 9110 §5.6.3); the decoder refuses any other control character in a value. */
    private static boolean isSpaceOrTab(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean regionMatches(CharSequence line, int from, CharSequence element, boolean ignoreCase) {
        for (int i = 0; i < element.length(); i++) {
            char a = line.charAt(from + i);
            char b = element.charAt(i);
            if (a != b && !(ignoreCase && lowerAscii(a) == lowerAscii(b))) {
                return false;
            }
        }
        return true;
    }
}
