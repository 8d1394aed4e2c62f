package dev.rampart.core.proxy;

import dev.rampart.core.errors.Reason;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import org.junit.jupiter.api.Test;

import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the proxy removes or rewrites on the way up and down, checked against fixed expectations. The differential
 * tests ({@link RequestFieldCopyTest}, {@link ResponseFieldCopyTest}) build their reference heads with the same
 * helpers ({@link UnderscoreAliases}, {@code ForwardedHeaders.joined}, {@code withoutLeadingZeros},
 * {@code relayedStatus}, {@link HttpDate}), so a fault in one of those appears on both sides and passes them. And
 * the framing and Host checks of {@link RequestValidation} that the decoder usually trips first, so that no socket
 * test reaches them.
 */
class HeadRewriteAndValidationEdgesTest {

    private static final String CLIENT_IP = "192.0.2.1";

    private static HttpHeaders client(String... nameValues) {
        HttpHeaders headers = new DefaultHttpHeaders(false);
        for (int i = 0; i < nameValues.length; i += 2) {
            headers.add(nameValues[i], nameValues[i + 1]);
        }
        return headers;
    }

    private static HttpRequest upstreamHead(HttpVersion version, HttpMethod method, HttpHeaders client,
                                            String requestIdHeader, long contentLength) {
        HttpRequest in = new DefaultHttpRequest(version, method, "/x", client);
        return ForwardedHeaders.originRequest(in, "/x", "up:80", requestIdHeader, "id-1", CLIENT_IP, "https",
                contentLength, null, null);
    }

    private static HttpHeaders upstreamHeaders(HttpHeaders client, String requestIdHeader) {
        return upstreamHead(HttpVersion.HTTP_1_1, HttpMethod.GET, client, requestIdHeader, 0).headers();
    }

    /** The names exactly as spelled (underscores kept), so that an underscore alias is not mistaken for its dashed twin. */
    private static Set<String> names(HttpHeaders headers) {
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach(e -> names.add(e.getKey()));
        return names;
    }

    private static HttpResponse clientResponse(HttpResponseStatus status, HttpHeaders upstream, boolean chunked,
                                               ClientResponder.Keep keep) {
        return ForwardedHeaders.clientResponse(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, upstream),
                "X-Request-Id", "id-1", chunked, keep, null);
    }

    @Test
    void underscoreSpellingsOfTheFieldsTheProxySetsOrDropsDoNotReachTheUpstream() {
        HttpHeaders up = upstreamHeaders(client("Host", "example.com", "X_Forwarded_For", "6.6.6.6",
                "x_real_ip", "6.6.6.6", "X_FORWARDED_HOST", "evil.example", "X_Original_URL", "/admin",
                "X_Forwarded_Prefix", "/evil", "Content_Length", "5", "Transfer_Encoding", "chunked",
                "X_Request_Id", "forged", "X_Rampart_Attempt", "9", "X_Custom_Thing", "kept"), "X-Request-Id");

        Set<String> names = names(up);
        for (String alias : List.of("X_Forwarded_For", "x_real_ip", "X_FORWARDED_HOST", "X_Original_URL",
                "X_Forwarded_Prefix", "Content_Length", "Transfer_Encoding", "X_Request_Id", "X_Rampart_Attempt")) {
            assertTrue(!names.contains(alias), alias + " was forwarded: " + up);
        }
        assertEquals("kept", up.get("X_Custom_Thing"), "an underscored name the proxy does not own passes");
        assertEquals(CLIENT_IP, up.get("X-Forwarded-For"));
        assertEquals(List.of("id-1"), up.getAll("X-Request-Id"));
    }

    @Test
    void anUnderscoredRequestIdHeaderDropsTheClientsDashedSpellingOfIt() {
        HttpHeaders up = upstreamHeaders(client("Request-Id", "forged", "request_id", "forged too",
                "X-Forwarded-For", "10.0.0.1", "X-Custom", "a"), "Request_Id");

        assertTrue(!names(up).contains("Request-Id"), "the dashed spelling was forwarded: " + up);
        assertEquals(List.of("id-1"), up.getAll("Request_Id"));
        assertEquals("10.0.0.1, " + CLIENT_IP, up.get("X-Forwarded-For"), "a dashed chain is extended, not dropped");
        assertEquals("a", up.get("X-Custom"));
    }

    @Test
    void forwardedForAndViaLinesAreJoinedIntoOneListWithoutEmptyElements() {
        HttpHeaders up = upstreamHeaders(client("X-Forwarded-For", "10.0.0.1, ", "X-Forwarded-For", ",",
                "X-Forwarded-For", " ,\t10.0.0.2", "Via", "1.0 a, ", "Via", "1.1 b"), "X-Request-Id");

        assertEquals(List.of("10.0.0.1, 10.0.0.2, " + CLIENT_IP), up.getAll("X-Forwarded-For"));
        assertEquals(List.of("1.0 a, 1.1 b, 1.1 rampart"), up.getAll("Via"));
    }

    @Test
    void aSingleForwardedForLineIsTrimmedOfEmptyEndsAndABlankOneIsNoChain() {
        assertEquals("10.0.0.3, " + CLIENT_IP,
                upstreamHeaders(client("X-Forwarded-For", " , 10.0.0.3 ,\t"), "X-Request-Id").get("X-Forwarded-For"));
        assertEquals(CLIENT_IP, upstreamHeaders(client("X-Forwarded-For", " , "), "X-Request-Id").get("X-Forwarded-For"));
        HttpRequest http10 = upstreamHead(HttpVersion.HTTP_1_0, HttpMethod.GET, client("Via", "1.1 front"),
                "X-Request-Id", 0);
        assertEquals("1.1 front, 1.0 rampart", http10.headers().get("Via"));
    }

    @Test
    void aBodyOfLengthZeroIsAnnouncedForMethodsThatExpectOneOnly() {
        for (HttpMethod method : List.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH)) {
            HttpRequest up = upstreamHead(HttpVersion.HTTP_1_1, method, client("Content-Length", "7"), "X-Request-Id", 0);
            assertEquals(List.of("0"), up.headers().getAll("Content-Length"), method.name());
        }
        for (HttpMethod method : List.of(HttpMethod.GET, HttpMethod.DELETE, HttpMethod.HEAD)) {
            HttpRequest up = upstreamHead(HttpVersion.HTTP_1_1, method, client("Content-Length", "7"), "X-Request-Id", 0);
            assertNull(up.headers().get("Content-Length"), method.name());
        }
        HttpRequest chunked = upstreamHead(HttpVersion.HTTP_1_1, HttpMethod.POST,
                client("Transfer-Encoding", "gzip, chunked", "Content-Length", "3"), "X-Request-Id", -1);
        assertEquals(List.of("chunked"), chunked.headers().getAll("Transfer-Encoding"));
        assertNull(chunked.headers().get("Content-Length"));
    }

    @Test
    void aRetrysHeadCarriesItsAttemptNumberAndItsEndpointsHostAndLeavesTheFirstAsItWas() {
        HttpRequest first = upstreamHead(HttpVersion.HTTP_1_1, HttpMethod.GET,
                client("Host", "example.com", "X-Rampart-Attempt", "7"), "X-Request-Id", 0);
        assertEquals(List.of("1"), first.headers().getAll("X-Rampart-Attempt"));

        HttpRequest second = ForwardedHeaders.forAttempt(first, 2, "b:81");
        assertEquals(List.of("2"), second.headers().getAll("X-Rampart-Attempt"));
        assertEquals(List.of("b:81"), second.headers().getAll("Host"));
        assertEquals("/x", second.uri());
        assertEquals(List.of("1"), first.headers().getAll("X-Rampart-Attempt"), "the first attempt's head is not touched");
        assertEquals(List.of("up:80"), first.headers().getAll("Host"));

        HttpRequest third = ForwardedHeaders.forAttempt(first, 3, null);
        assertEquals(List.of("3"), third.headers().getAll("X-Rampart-Attempt"));
        assertEquals(List.of("up:80"), third.headers().getAll("Host"), "a preserved Host stays");

        assertSame(first, ForwardedHeaders.forAttempt(first, 1, null));
        assertEquals(List.of("up:80"), first.headers().getAll("Host"));
        assertSame(first, ForwardedHeaders.forAttempt(first, 1, "c:82"));
        assertEquals(List.of("c:82"), first.headers().getAll("Host"));
    }

    @Test
    void aResponsesContentLengthGoesToTheClientWithoutLeadingZeros() {
        for (String[] lengths : new String[][]{{"005", "5"}, {"000", "0"}, {"0", "0"}, {"10", "10"}, {"0100", "100"}}) {
            HttpResponse out = clientResponse(HttpResponseStatus.OK, client("Content-Length", lengths[0]), false,
                    ClientResponder.Keep.OPEN);
            assertEquals(List.of(lengths[1]), out.headers().getAll("Content-Length"), "upstream sent " + lengths[0]);
        }
        HttpResponse chunked = clientResponse(HttpResponseStatus.OK, client("Content-Length", "5"), true,
                ClientResponder.Keep.OPEN);
        assertNull(chunked.headers().get("Content-Length"));
        assertEquals(List.of("chunked"), chunked.headers().getAll("Transfer-Encoding"));
    }

    @Test
    void aReasonPhraseWithControlCharactersIsReplacedByTheStandardOne() {
        for (String reason : List.of("OK\u0000", "\u001b[31mOK", "O\u007fK", "\u001fhi")) {
            HttpResponseStatus relayed = ForwardedHeaders.relayedStatus(new HttpResponseStatus(200, reason));
            assertEquals("OK", relayed.reasonPhrase(), "reason " + reason.chars().boxed().toList());
            assertEquals(200, relayed.code());
        }
        HttpResponse out = clientResponse(new HttpResponseStatus(404, "Not\u0007Here"), client(), false,
                ClientResponder.Keep.OPEN);
        assertEquals("Not Found", out.status().reasonPhrase());
        for (String reason : List.of("All\tGood", "Fine by me", "")) {
            assertEquals(reason, ForwardedHeaders.relayedStatus(new HttpResponseStatus(200, reason)).reasonPhrase());
        }
    }

    @Test
    void a426NamesItsUpgradeInConnectionAndOtherResponsesDropUpgrade() {
        HttpResponse open = clientResponse(HttpResponseStatus.UPGRADE_REQUIRED, client("Upgrade", "TLS/1.2"), false,
                ClientResponder.Keep.OPEN);
        assertEquals(List.of("TLS/1.2"), open.headers().getAll("Upgrade"));
        assertEquals(List.of("upgrade"), open.headers().getAll("Connection"));

        HttpResponse closing = clientResponse(HttpResponseStatus.UPGRADE_REQUIRED, client("Upgrade", "TLS/1.2"),
                false, ClientResponder.Keep.CLOSE);
        assertEquals(List.of("close, upgrade"), closing.headers().getAll("Connection"));

        HttpResponse ok = clientResponse(HttpResponseStatus.OK, client("Upgrade", "h2c", "Connection", "upgrade"),
                false, ClientResponder.Keep.OPEN);
        assertNull(ok.headers().get("Upgrade"));
        assertNull(ok.headers().get("Connection"));
    }

    @Test
    void aResponseWithoutDateGetsTheCurrentTimeAndOneWithDateKeepsIt() {
        long before = System.currentTimeMillis();
        HttpResponse out = clientResponse(HttpResponseStatus.OK, client(), false, ClientResponder.Keep.OPEN);
        long after = System.currentTimeMillis();
        List<String> dates = out.headers().getAll("Date");
        assertEquals(1, dates.size(), "one Date: " + dates);
        Date date = DateFormatter.parseHttpDate(dates.get(0));
        assertNotNull(date, "not an HTTP date: " + dates.get(0));
        // HTTP dates have whole seconds: the one added is the second the response was made in.
        assertTrue(date.getTime() >= before - 1000 && date.getTime() <= after, dates.get(0));

        String upstreamDate = "Sat, 05 Dec 2026 10:00:00 GMT";
        HttpResponse kept = clientResponse(HttpResponseStatus.OK, client("Date", upstreamDate), false,
                ClientResponder.Keep.OPEN);
        assertEquals(List.of(upstreamDate), kept.headers().getAll("Date"));
    }

    @Test
    void aSingleValuedFieldIsTheRequestsOwnOnlyWhenItIsOneLineThatCrossesTheProxy() {
        assertEquals("a", ConnectionNames.soleEndToEnd(client("X-Api-Key", "a"), "X-Api-Key"));
        assertEquals("a", ConnectionNames.soleEndToEnd(client("X-Api-Key", "a", "Connection", "keep-alive"), "x-api-key"));
        assertNull(ConnectionNames.soleEndToEnd(client(), "X-Api-Key"));
        assertNull(ConnectionNames.soleEndToEnd(client("X-Api-Key", "a", "X-Api-Key", "b"), "X-Api-Key"));
        assertNull(ConnectionNames.soleEndToEnd(client("X-Api-Key", "a", "Connection", "close, x-api-key"), "X-Api-Key"));
        assertNull(ConnectionNames.soleEndToEnd(client("Upgrade", "websocket"), "Upgrade"), "hop-by-hop");
    }

    @Test
    void requestTrailersLoseTheFieldsTheProxyOwnsInEverySpellingAndThoseNamedInConnection() {
        HttpHeaders trailers = client("X-Forwarded-For", "6.6.6.6", "X_Real_IP", "6.6.6.6", "Host", "evil",
                "X_Request_Id", "forged", "Content-Length", "0", "Forwarded", "for=6.6.6.6", "X-Named", "n",
                "Authorization", "Bearer x", "traceparent", "00-x", "X-Checksum", "abc");
        HttpHeaders head = client("Connection", "keep-alive, X-Named");

        TrailerFields.dropForbiddenTrailers(trailers, "X-Request-Id", head);

        assertEquals(Set.of("X-Checksum"), Set.copyOf(names(trailers)), "left: " + trailers);
    }

    @Test
    void responseTrailersLoseCredentialsControlsAndTheFieldsTheyNameInConnection() {
        HttpHeaders trailers = client("Set-Cookie", "a=1", "Location", "/elsewhere", "X-Rampart-Attempt", "2",
                "x_request_id", "theirs", "Connection", "X-Late", "X-Late", "l", "Retry-After", "5",
                "Server-Timing", "db;dur=5");

        TrailerFields.dropForbiddenResponseTrailers(trailers, "X-Request-Id", null);

        assertEquals(Set.of("Server-Timing"), Set.copyOf(names(trailers)), "left: " + trailers);
    }

    @Test
    void aDecodedHeadRefusesTheLinePastItsLimitAndAnInvalidName() {
        HttpHeaders head = FieldListFactory.heads(3).newHeaders();
        head.add("A", "1").add("B", "2").add("C", "3");
        assertThrows(TooLongHttpHeaderException.class, () -> head.add("D", "4"));
        assertEquals(3, head.size());
        assertThrows(IllegalArgumentException.class, () -> head.set("Bad Name", "x"));
        assertEquals(3, head.size());
        HttpHeaders fresh = FieldListFactory.heads(3).newHeaders();
        assertThrows(IllegalArgumentException.class, () -> fresh.add("Bad:Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> fresh.set("Bad Name", "x"));
        assertEquals(0, fresh.size());

        HttpHeaders trailers = FieldListFactory.trailers(1).newHeaders();
        trailers.add("X-Checksum", "abc");
        assertThrows(TooLongHttpHeaderException.class, () -> trailers.add("X-More", "d"));
    }

    private static Reason validated(HttpVersion version, String method, String target, String... nameValues) {
        return RequestValidation.check(new DefaultHttpRequest(version, HttpMethod.valueOf(method), target,
                client(nameValues)));
    }

    @Test
    void aRequestFramedTwoWaysIsRefused() {
        HttpVersion v11 = HttpVersion.HTTP_1_1;
        assertNull(validated(v11, "POST", "/", "Host", "a", "Transfer-Encoding", " Chunked "));
        assertNull(validated(v11, "POST", "/", "Host", "a", "Content-Length", "005"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "POST", "/", "Host", "a", "Transfer-Encoding", "chunked",
                "Content-Length", "5"), "TE and CL");
        assertEquals(Reason.BAD_REQUEST, validated(v11, "POST", "/", "Host", "a", "Content-Length", "5",
                "Transfer-Encoding", "chunked"), "CL and TE");
        assertEquals(Reason.BAD_REQUEST, validated(HttpVersion.HTTP_1_0, "POST", "/", "Transfer-Encoding", "chunked"),
                "TE in HTTP/1.0");
        assertEquals(Reason.BAD_REQUEST, validated(HttpVersion.HTTP_1_0, "POST", "/", "Transfer-Encoding",
                "gzip, chunked"), "TE in HTTP/1.0 is faulty framing, whatever its codings");
        assertEquals(Reason.BAD_REQUEST, validated(v11, "POST", "/", "Host", "a", "Transfer-Encoding", "chunked",
                "Transfer-Encoding", "chunked"), "two TE lines");
        assertEquals(Reason.NOT_IMPLEMENTED, validated(v11, "POST", "/", "Host", "a", "Transfer-Encoding", "gzip, chunked"),
                "chunked after a coding the proxy does not decode");
        assertEquals(Reason.BAD_REQUEST, validated(v11, "POST", "/", "Host", "a", "Content-Length", "5",
                "Content-Length", "5"), "two CL lines, even equal");
        for (String length : List.of("", "+5", "5 ", "0x5", "-1")) {
            assertEquals(Reason.BAD_REQUEST, validated(v11, "POST", "/", "Host", "a", "Content-Length", length),
                    "Content-Length '" + length + "'");
        }
    }

    @Test
    void aRequestWithoutOneValidHostIsRefused() {
        HttpVersion v11 = HttpVersion.HTTP_1_1;
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "/"), "1.1 without Host");
        assertNull(validated(HttpVersion.HTTP_1_0, "GET", "/"), "1.0 without Host");
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "/", "Host", "a", "Host", "a"), "two Host lines");
        for (String host : List.of("a.example", "A-1_b.Example.:8080", "a:", "a:65535", "[::1]", "[::1]:443",
                "[2001:db8::1]", "10.0.0.1:080")) {
            assertNull(validated(v11, "GET", "/", "Host", host), host);
        }
        for (String host : List.of("", ":80", "evil.com,tenant.example", "a b", "a;b", "a#b", ".corp.example",
                "a..b", "a:65536", "a:123456", "a:99999999999", "a:8x", "a@b", "[1::2::3]", "[1.2.3.4]", "[]", "[::1", "[::1]x",
                "[::g]")) {
            assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "/", "Host", host), "Host '" + host + "'");
        }
    }

    @Test
    void anAbsoluteFormTargetMustNameTheAuthorityHostNames() {
        HttpVersion v11 = HttpVersion.HTTP_1_1;
        assertNull(validated(v11, "GET", "http://a.example/x", "Host", "a.example"));
        assertNull(validated(v11, "GET", "HTTP://A.example:80/x", "Host", "a.example"), "default port");
        assertNull(validated(v11, "GET", "https://a.example:0443?q", "Host", "a.example:443"));
        assertNull(validated(v11, "GET", "http://a.example./x", "Host", "a.example"), "root dot");
        assertNull(validated(v11, "GET", "http://a.example:/x", "Host", "a.example:80"), "empty port");
        assertNull(validated(v11, "GET", "http://[::1]:8080/x", "Host", "[::1]:08080"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "http://b.example/x", "Host", "a.example"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "http://a.example:8080/x", "Host", "a.example"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "https://a.example:80/x", "Host", "a.example"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "http://user@a.example/x", "Host", "a.example"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "http:///x", "Host", "a.example"), "no authority");
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "ftp://a.example/x", "Host", "a.example"));
        assertNull(validated(v11, "GET", "/x://y", "Host", "a.example"), "origin-form with :// in its path");
        assertTrue(!RequestValidation.absoluteFormAgreesWithHost("http://u@a.example/x", "u@a.example"), "userinfo");
    }

    @Test
    void methodsAndTargetsNoUpstreamShouldGetAreRefused() {
        HttpVersion v11 = HttpVersion.HTTP_1_1;
        assertEquals(Reason.BAD_REQUEST, validated(v11, "delete", "/", "Host", "a"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GEt", "/", "Host", "a"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "PaTCH", "/", "Host", "a"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "PUz", "/", "Host", "a"));
        assertNull(validated(v11, "PURGE", "/", "Host", "a"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "CONNECT", "a:443", "Host", "a:443"));
        assertEquals(Reason.BAD_REQUEST, validated(v11, "GET", "*", "Host", "a"));
        assertNull(validated(v11, "OPTIONS", "*", "Host", "a"));
    }

    @Test
    void anHttp10AbsoluteFormRequestWithoutHostIsGivenTheTargetsAuthority() {
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "http://a.example:8080/x?y");
        RequestValidation.hostFromTarget(head);
        assertEquals(List.of("a.example:8080"), head.headers().getAll("Host"));
        assertNull(RequestValidation.check(head));
        for (String target : List.of("http://user@a.example/x", "http:///x", "/x")) {
            HttpRequest other = new DefaultHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, target);
            RequestValidation.hostFromTarget(other);
            assertNull(other.headers().get("Host"), target);
        }
        HttpRequest http11 = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http://a.example/x");
        RequestValidation.hostFromTarget(http11);
        assertNull(http11.headers().get("Host"), "HTTP/1.1 requires the client's own Host");
        assertEquals(Reason.BAD_REQUEST, RequestValidation.check(http11));
    }
}
