package dev.rampart.core.proxy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The client response head built in one pass ({@link ResponseFieldCopy}) is the head the field-by-field rewrite
 * built before it (kept below as the reference): same lines, same order, for random upstream heads, final and
 * interim (1xx) alike; except that the reference, too, drops the Date lines of a head that has more than one.
 */
class ResponseFieldCopyTest {

    private static final AsciiString HINT = ClientResponder.Keep.hintFor(Duration.ofSeconds(60));

    private static final String[] NAMES = {"Content-Length", "Transfer-Encoding", "Via", "Date", "Connection",
        "Keep-Alive", "Proxy-Connection", "TE", "Upgrade", "Proxy-Authenticate", "X-Request-Id", "Request_Id",
        "Content-Type", "Set-Cookie", "Cache-Control", "X-Custom", "Server", "ETag", "Host", "X-Forwarded-For"};
    private static final String[] VALUES = {"", "5", "005", "chunked", "1.1 other", " 1.0 a , ", ",", "close",
        "keep-alive, x-custom", "keep-alive", "Via, Date", "Sat, 05 Dec 2026 10:00:00 GMT", "text/plain", "a=1", "h2c"};

    @Test
    void theOnePassBuildsTheHeadTheFieldByFieldRewriteBuilt() {
        Random random = new Random(20261205);
        List<HttpResponseStatus> statuses = List.of(HttpResponseStatus.OK, HttpResponseStatus.NOT_FOUND,
                HttpResponseStatus.UPGRADE_REQUIRED, HttpResponseStatus.NO_CONTENT);
        for (int round = 0; round < 20_000; round++) {
            HttpHeaders upstream = new DefaultHttpHeaders(false);
            int fields = random.nextInt(12);
            for (int i = 0; i < fields; i++) {
                upstream.add(spelled(NAMES[random.nextInt(NAMES.length)], random), VALUES[random.nextInt(VALUES.length)]);
            }
            HttpVersion version = random.nextInt(4) == 0 ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
            HttpResponse in = new DefaultHttpResponse(version, statuses.get(random.nextInt(statuses.size())), upstream);
            String requestIdHeader = random.nextInt(5) == 0 ? "Request_Id" : "X-Request-Id";
            boolean chunked = random.nextBoolean();
            ClientResponder.Keep keep = ClientResponder.Keep.values()[random.nextInt(ClientResponder.Keep.values().length)];

            HttpResponse built = ForwardedHeaders.clientResponse(in, requestIdHeader, "id-1", chunked, keep, HINT);
            HttpResponse reference = referenceClientResponse(in, requestIdHeader, "id-1", chunked, keep);
            assertEquals(lines(reference.headers(), upstream), lines(built.headers(), upstream), "upstream head " + upstream);
            assertEquals(reference.status(), built.status());

            HttpHeaders interim = new FieldList();
            FieldByFieldCopy.copyEndToEnd(in.headers(), interim);
            dropDatesWhenMoreThanOne(interim);
            String prior = ForwardedHeaders.joined(interim.getAll(HttpHeaderNames.VIA));
            String own = version.equals(HttpVersion.HTTP_1_0) ? "1.0 rampart" : "1.1 rampart";
            interim.set(HttpHeaderNames.VIA, prior == null || prior.isBlank() ? own : prior + ", " + own);
            assertEquals(lines(interim, upstream), lines(ForwardedHeaders.interimResponse(in).headers(), upstream),
                    "as a 1xx, upstream head " + upstream);
        }
    }

    private static String spelled(String name, Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> name.toLowerCase(Locale.ROOT);
            case 1 -> name.toUpperCase(Locale.ROOT);
            default -> name;
        };
    }

    /** The lines in order; a Date the proxy added (the time of day) as {@code <now>}. */
    private static List<String> lines(HttpHeaders headers, HttpHeaders upstream) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, String> e : headers.entries()) {
            boolean added = e.getKey().equalsIgnoreCase("date") && !upstream.getAll("date").contains(e.getValue());
            lines.add(e.getKey() + ": " + (added ? "<now>" : e.getValue()));
        }
        return lines;
    }

    /** The head as the rewrite built it field by field: copy, then remove and set each of the proxy's fields. */
    private static HttpResponse referenceClientResponse(HttpResponse in, String requestIdHeader, String requestId,
                                                        boolean chunked, ClientResponder.Keep keep) {
        HttpHeaders out = new FieldList();
        FieldByFieldCopy.copyEndToEnd(in.headers(), out);
        dropDatesWhenMoreThanOne(out);
        if (chunked) {
            out.remove(HttpHeaderNames.CONTENT_LENGTH);
            out.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        } else {
            String length = in.headers().get(HttpHeaderNames.CONTENT_LENGTH);
            if (length != null) {
                out.set(HttpHeaderNames.CONTENT_LENGTH, ForwardedHeaders.withoutLeadingZeros(length));
            }
        }
        String prior = ForwardedHeaders.joined(out.getAll(HttpHeaderNames.VIA));
        String own = in.protocolVersion().equals(HttpVersion.HTTP_1_0) ? "1.0 rampart" : "1.1 rampart";
        out.set(HttpHeaderNames.VIA, prior == null || prior.isBlank() ? own : prior + ", " + own);
        if (!out.contains(HttpHeaderNames.DATE)) {
            out.set(HttpHeaderNames.DATE, HttpDate.now());
        }
        out.set(requestIdHeader, requestId);
        keep.announce(out, HINT);
        List<String> upgrade = in.status().code() == 426 ? in.headers().getAll(HttpHeaderNames.UPGRADE) : List.of();
        if (!upgrade.isEmpty()) {
            out.set(HttpHeaderNames.UPGRADE, upgrade);
            ForwardedHeaders.nameUpgradeInConnection(out);
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, ForwardedHeaders.relayedStatus(in.status()), out);
    }

    /** Two or more Date lines are no date: none of them goes on (the proxy's own is added to a final response). */
    private static void dropDatesWhenMoreThanOne(HttpHeaders out) {
        if (out.getAll(HttpHeaderNames.DATE).size() > 1) {
            out.remove(HttpHeaderNames.DATE);
        }
    }
}
