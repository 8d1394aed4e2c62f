package dev.rampart.core.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RequestTargetTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/ /",
            "/a/b?x=1 /a/b?x=1",
            "/a/b/ /a/b/",
            "/a/./b /a/b",
            "/a/../b /b",
            "/a/.. /",
            "/a/. /a/",
            "/a/b/../../.. /",
            "/../../etc/passwd /etc/passwd",
            "//a///b /a/b",
            "/a/%2e%2E/b /b",
            "/%7Euser/%41 /~user/A",
            "/a%2Fb/%2e /a%2Fb/",
            "/.well-known/x /.well-known/x",
            "/a..b/..c /a..b/..c",
            "/a?b=/../c /a?b=/../c",
            "http://host/a/../b?q /b?q",
            "https://host:8443 /",
            "http://host?q=1 /?q=1",
            "* *"})
    void normalizesToOriginForm(String target, String expected) {
        assertEquals(expected, RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a\u0000b", "/a\tb", "/a\u007f", "/a?q=\u0001", "ftp:/x", "host/path", "example.com:443"})
    void refusesControlCharactersAndTargetsThatAreNoFormItServes(String target) { // authority-form: CONNECT
        assertNull(RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @CsvSource({"/caf\u00c3\u00a9,/caf%C3%A9", "/a?b=\u00ff,/a?b=%FF"})
    void percentEncodesBytesAboveAscii(String target, String expected) {
        assertEquals(expected, RequestTarget.originForm(target));
    }
}
