package dev.rampart.core.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Boundaries of the request-target's normal form: every valid escape but {@code %00} passes (a space, a quote,
 * a control character written as an escape), printable ASCII is no control character, a directory keeps its
 * trailing slash when dot segments or double slashes are resolved, and a scheme-less {@code ://} is no
 * absolute-form target.
 */
class RequestTargetEscapesAndSlashesTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/my%20file.txt /my%20file.txt",       // an escape whose low digit is 0
            "/a%0Ab /a%0Ab",                        // an escape whose high digit is 0: only %00 is refused
            "/a%01 /a%01",
            "/%22quoted%22 /%22quoted%22",          // both digits the same
            "/x%FFy /x%FFy",
            "/a!b /a!b",                            // 0x21, the first printable character
            "/a/b/.. /a/",                          // a directory: ".." last keeps the trailing slash
            "/a/b/c/../.. /a/",
            "//a/b/ /a/b/",                         // runs of slashes merged, the trailing one kept
            "/a//b// /a/b/",
            "/a/./ /a/",
            "/a/b/..?q=1 /a/?q=1"})
    void validTargetsKeepTheirEscapesAndTrailingSlash(String target, String expected) {
        assertEquals(expected, RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"://host/admin", "://x"})
    void aTargetThatStartsWithASchemeSeparatorButNoSchemeIsRefused(String target) {
        assertNull(RequestTarget.originForm(target), target);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/files/%2F/a/ /files/a/",
            "/a%2Fb/c/ /a/b/c/",
            "/a%2F%2Fb /a/b"})
    void theRoutingFormResolvesEscapedSlashesAndKeepsADirectorysSlash(String target, String expected) {
        assertEquals(expected, RequestTarget.routingForm(target));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/public/../x/?a=1 /x/?a=1",
            "/public//x/ /public/x/",
            "/files/.. /"})
    void aRewrittenPathIsInNormalFormAgainWithItsTrailingSlash(String rewritten, String expected) {
        assertEquals(expected, RequestTarget.afterRewrite(rewritten));
    }
}
