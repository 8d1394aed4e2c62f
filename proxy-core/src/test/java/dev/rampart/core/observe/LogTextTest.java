package dev.rampart.core.observe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

class LogTextTest {

    @Test
    void controlCharactersAreEscapedAsNginxEscapesThem() {
        assertEquals("OK\\x0DSet-Cookie: x=1", LogText.printable("OK\rSet-Cookie: x=1"));
        assertEquals("OK\\x1B[1A\\x1B[2K\\x0DINFO all good", LogText.printable("OK\u001b[1A\u001b[2K\rINFO all good"));
        assertEquals("a\\x00b\\x7Fc\\x85d\\x09e\\x0A", LogText.printable("a\0b\u007fc\u0085d\te\n"));
    }

    @Test
    void lineAndParagraphSeparatorsAreEscapedSinceReadersBreakLinesThere() {
        // U+2028 in a User-Agent would end the access-log line for Python's splitlines and older JavaScript.
        assertEquals("x\\u2028{\"forged\":1}\\u2029", LogText.printable("x\u2028{\"forged\":1}\u2029"));
        assertEquals("x\\u2028", LogText.oneLine("x\u2028"));
    }

    @Test
    void printableTextIsReturnedAsItIs() {
        String text = "attempt 2 to 127.0.0.1:8081: RESET (Connection reset by peer) é ü 日本";
        assertSame(text, LogText.printable(text));
        assertEquals("null", LogText.printable(null));
    }
}
