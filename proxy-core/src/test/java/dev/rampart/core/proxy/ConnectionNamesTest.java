package dev.rampart.core.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The names a message's Connection lines list, as RFC 9110 §7.6.1 reads them: each element, trimmed, any case. */
class ConnectionNamesTest {

    @Test
    void everyElementOfEveryLineTrimmedAndInAnyCase() {
        ConnectionNames names = ConnectionNames.of(List.of("keep-alive, X-Secret ,", " ,,\tx-other\t", ""));
        for (String listed : new String[] {"keep-alive", "x-secret", "X-SECRET", "X-Other"}) {
            assertTrue(names.lists(listed), listed);
        }
        for (String unlisted : new String[] {"x-secre", "secret", "", "x-other,"}) {
            assertFalse(names.lists(unlisted), unlisted);
        }
    }

    @Test
    void aConnectionOfKeepAliveAloneNamesNothingToLookUp() {
        // Keep-Alive never crosses the proxy, named or not: what browsers send on every request costs no scan.
        for (String value : List.of("keep-alive", " Keep-Alive\t", "KEEP-ALIVE")) {
            io.netty.handler.codec.http.HttpHeaders headers = new FieldList();
            headers.add("Connection", value);
            assertNull(ConnectionNames.of(headers), value);
        }
        io.netty.handler.codec.http.HttpHeaders more = new FieldList();
        more.add("Connection", "keep-alive, X-Secret");
        assertTrue(ConnectionNames.of(more).lists("x-secret"));
        io.netty.handler.codec.http.HttpHeaders two = new FieldList();
        two.add("Connection", "keep-alive");
        two.add("Connection", "X-Secret");
        assertTrue(ConnectionNames.of(two).lists("X-Secret"), "a second line still names its fields");
        io.netty.handler.codec.http.HttpHeaders close = new FieldList();
        close.add("Connection", "close");
        assertTrue(ConnectionNames.of(close).lists("Close"), "a field named Close is named");
        assertFalse(ForwardedHeaders.crossesTheProxy("Keep-Alive", null), "and Keep-Alive crosses without it too");
    }

    @Test
    void manyNamesAreAnsweredAsFewAre() {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < 5_000; i++) {
            line.append("X-Name-").append(i).append(i % 2 == 0 ? ", ," : ",");
        }
        ConnectionNames names = ConnectionNames.of(List.of(line.toString()));
        assertTrue(names.lists("x-name-0") && names.lists("X-NAME-4999") && names.lists("x-name-2500"));
        assertFalse(names.lists("x-name-5000"));
        assertFalse(names.lists("X-Name"));
    }
}
