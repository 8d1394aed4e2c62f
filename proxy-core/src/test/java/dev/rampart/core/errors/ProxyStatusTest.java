package dev.rampart.core.errors;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProxyStatusTest {

    private final ProxyStatus proxyStatus = new ProxyStatus("rampart");

    @Test
    void proxyErrorNamesTheErrorType() {
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_CONNECT_REFUSED, "id-1", "default", "app", 3);
        assertEquals("rampart; error=connection_refused", proxyStatus.valueFor(ctx));
    }

    @Test
    void aProxyNameThatIsATokenIsWrittenBareAndAnyOtherQuoted() {
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_CONNECT_REFUSED, "id-1", "default", "app", 3);
        assertEquals("Rampart; error=connection_refused", new ProxyStatus("Rampart").valueFor(ctx));
        assertEquals("zeta; error=connection_refused", new ProxyStatus("zeta").valueFor(ctx));
        assertEquals("*gw; error=connection_refused", new ProxyStatus("*gw").valueFor(ctx));
        assertEquals("\"1gw\"; error=connection_refused", new ProxyStatus("1gw").valueFor(ctx), "a token starts with a letter");
        assertEquals("rampart; error=connection_refused; details=\"a~b\"",
                proxyStatus.valueFor(ctx.withDetails("a~b")), "the last printable character kept");
    }

    @Test
    void detailsAreAddedOnlyWhenPresent() {
        ErrorContext ctx = ErrorContext.of(Reason.UPSTREAM_CONNECT_REFUSED, "id-1", "default", "app", 3)
                .withDetails("all 3 endpoints refused");
        assertEquals("rampart; error=connection_refused; details=\"all 3 endpoints refused\"", proxyStatus.valueFor(ctx));
    }

    @Test
    void upstreamErrorCarriesReceivedStatusAndNoErrorType() {
        ErrorContext ctx = new ErrorContext(Reason.UPSTREAM_ERROR, 503, "id-1", "default", "app", 1,
                OptionalLong.empty(), OptionalInt.of(503), null);
        assertEquals("rampart; received-status=503", proxyStatus.valueFor(ctx));
    }

    @Test
    void upstreamErrorWithoutReceivedStatusUsesTheResponseStatus() {
        ErrorContext ctx = new ErrorContext(Reason.UPSTREAM_ERROR, 500, "id-1", "default", "app", 1,
                OptionalLong.empty(), OptionalInt.empty(), null);
        assertEquals("rampart; received-status=500", proxyStatus.valueFor(ctx));
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("\"say \\\"hi\\\" to C:\\\\tmp\"", ProxyStatus.sfString("say \"hi\" to C:\\tmp"));
    }

    @Test
    void controlCharactersBecomeSpacesSoNoHeaderCanBeSplit() {
        String value = ProxyStatus.sfString("line1\r\nline2\tend\u0000\u007f");
        assertEquals("\"line1  line2 end  \"", value);
    }

    @Test
    void nonAsciiBecomesOneQuestionMarkPerCodePoint() {
        assertEquals("\"caf? ? ok\"", ProxyStatus.sfString("caf\u00e9 \uD83D\uDE00 ok"));
    }

    @Test
    void everyDetailGivesAPrintableAsciiValue() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x300; c++) {
            all.append(c);
        }
        String value = new ProxyStatus("rampart").value("proxy_internal_error", OptionalInt.empty(), all.toString());
        assertTrue(value.chars().allMatch(c -> c >= 0x20 && c <= 0x7E), value);
        // Every quote inside the sf-string is escaped: the only unescaped ones open and close it.
        String inner = value.substring(value.indexOf("details=\"") + "details=\"".length(), value.length() - 1);
        assertEquals(-1, inner.replace("\\\\", "").replace("\\\"", "").indexOf('"'), inner);
    }

    @Test
    void proxyNameThatIsNoTokenIsWrittenAsAString() {
        assertEquals("\"my proxy\"; error=proxy_internal_error",
                new ProxyStatus("my proxy").value("proxy_internal_error", OptionalInt.empty(), null));
        assertEquals("edge-1.example.net; error=proxy_internal_error",
                new ProxyStatus("edge-1.example.net").value("proxy_internal_error", OptionalInt.empty(), null));
    }

    @Test
    void errorTypeMustBeAToken() {
        assertThrows(IllegalArgumentException.class,
                () -> proxyStatus.value("bad value", OptionalInt.empty(), null));
        assertThrows(IllegalArgumentException.class, () -> new ProxyStatus(""));
    }

    @Test
    void everyCatalogErrorTypeIsAToken() {
        for (Reason reason : Reason.values()) {
            if (reason.proxyStatusError() != null) {
                assertTrue(ProxyStatus.isToken(reason.proxyStatusError()), reason.name());
            }
        }
    }
}
