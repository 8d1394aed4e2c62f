package dev.rampart.core.proxy;

import io.netty.util.AsciiString;

/**
 * The elements of a comma-separated header line (RFC 9110 §5.6.1: {@code Connection},
 * {@code Transfer-Encoding}), each trimmed of spaces and tabs, compared in place without splitting the line.
 */
final class ListElements {

    private ListElements() {
    }

    /** Whether {@code line} lists {@code element}, its ASCII letters' case ignored if asked. */
    static boolean lists(CharSequence line, CharSequence element, boolean ignoreCase) {
        int start = 0;
        int length = line.length();
        // After a last comma there is no element (Netty's answer too); a line without a comma is one.
        while (start < length || start == 0) {
            int end = start;
            while (end < length && line.charAt(end) != ',') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && isSpaceOrTab(line.charAt(from))) {
                from++;
            }
            while (to > from && isSpaceOrTab(line.charAt(to - 1))) {
                to--;
            }
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

    private static char lowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

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
