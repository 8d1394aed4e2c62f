package dev.rampart.core.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
            "/caf%c3%a9/%2f%3a /caf%C3%A9/%2F%3A",
            "/a%2Fb/%2e /a%2Fb/",
            "/.well-known/x /.well-known/x",
            "/a..b/..c /a..b/..c",
            "/a?b=/../c /a?b=/../c",
            "/a?b=%zz%00 /a?b=%zz%00",
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
    @ValueSource(strings = {"/pub/%%32%65%%32%65/internal", "/pub/%2%65%2%65/x", "/a/%zz", "/a/%", "/a/%2", "/a/%2g",
            "/a%00b", "/a/%\u0663\u0663"})
    void refusesEscapesThatAreNotEscapesAndAnEncodedNul(String target) { // as nginx does
        assertNull(RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/x/..;/admin", "/x/.;/admin", "/x;a=b/..;/admin/x", "/x/%2e%2E;/admin", "/x/..;p=1/admin",
            "/x%2F..;%2Fadmin", "/..;", "/x%5C..;/admin/x", "/x%5c..;/admin/x", "/x\\..;/admin/x", "/x%5C.;/admin/x",
            "/x%5C%2e%2e;/admin/x"})
    void refusesADotSegmentWithParameters(String target) { // Tomcat and Spring would resolve it as ".." or "."
        assertNull(RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a/x..;/b", "/a/...;/b", "/a/..x;/b", "/a;v=1/b", "/a/b?q=/..;/c", "/a%5Cx..;/b"})
    void keepsParametersThatAreNotOnADotSegment(String target) {
        assertEquals(target, RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/direct#/../up/x", "/pub/x#/../../up/admin", "http://x#frag/up/h", "/a?q=1#f"})
    void refusesAFragment(String target) { // a request-target has none; resolved across, it would move the path
        assertNull(RequestTarget.originForm(target));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/public/../internal/x /internal/x",
            "/../secret /secret",
            "/v2/public//x?a=/../b /v2/public/x?a=/../b",
            "/v2/x?q /v2/x?q"})
    void aRewrittenTargetIsInNormalFormAgain(String rewritten, String forwarded) {
        assertEquals(forwarded, RequestTarget.afterRewrite(rewritten));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/a/b /a/b",
            "/%2Fadmin /admin",
            "/x%2F..%2Fadmin?q=%2F /admin?q=%2F",
            "/a?b=%2F /a?b=%2F",
            "/pub/a%2F..%2F..%2Fx /x"})
    void routesSeeEscapedSlashesAsSlashes(String target, String routed) {
        assertEquals(routed, RequestTarget.routingForm(target));
    }

    @ParameterizedTest
    @CsvSource({"/caf\u00c3\u00a9,/caf%C3%A9", "/a?b=\u00ff,/a?b=%FF"})
    void percentEncodesBytesAboveAscii(String target, String expected) {
        assertEquals(expected, RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @CsvSource({"'/x\\y\\z', '/x%5Cy%5Cz'", "'/a\\b?q=c\\d', '/a%5Cb?q=c\\d'", "'/a%5cb', '/a%5Cb'"})
    void aBackslashInThePathIsEscapedSinceWhatwgParsersReadItAsASlash(String target, String expected) {
        assertEquals(expected, RequestTarget.originForm(target));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/secret/..%2Fpublic", "/secret%2F..%2Fpublic", "/x%2f..%2fadmin", "/a/..%5Cb",
            "/x\\..\\secret", "/x/..\\secret",
            "/a/x%5C..", "/a%2F.%2Fb", "/secret/x/..%2F..%2Fanything"})
    void aDotSegmentThatOnlyAnEscapedSeparatorMakesIsRefused(String target) {
        assertNull(RequestTarget.originForm(target), target);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/a%2Fb", "/a/..x%2Fb", "/a%2F..b", "/%2Fadmin", "/a%5C.b"})
    void anEscapedSeparatorBesideNoDotSegmentPasses(String target) {
        assertNotNull(RequestTarget.originForm(target), target);
    }
}
