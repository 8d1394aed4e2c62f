package dev.rampart.core.proxy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
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
