package dev.rampart.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The access log's encoder writes exactly what a {@code %msg%n} pattern writes in UTF-8 on Linux: the
 * formatted message and a line feed, whatever characters the message holds.
 */
class LineEncoderTest {

    private final LoggerContext context = new LoggerContext();
    private final LineEncoder encoder = new LineEncoder();

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void anAsciiLineIsWrittenAsItsBytesAndALineFeed() {
        assertEquals("{\"status\":200,\"path\":\"/a%20b\"}\n", text(encoder.encode(event("{\"status\":200,\"path\":\"/a%20b\"}"))));
        assertEquals("\n", text(encoder.encode(event(""))));
    }

    @Test
    void aLineWithOtherCharactersIsUtf8() {
        String line = "{\"route\":\"caf\u00e9\",\"user_agent\":\"\u65e5\u672c \ud83d\ude00 \u007f\"}";
        assertArrayEquals((line + "\n").getBytes(StandardCharsets.UTF_8), encoder.encode(event(line)));
        assertEquals(line + "\n", text(encoder.encode(event(line))));
    }

    @Test
    void aFormattedMessageIsEncodedNotItsPattern() {
        LoggingEvent withArgument = new LoggingEvent(ch.qos.logback.classic.Logger.FQCN, context.getLogger("rampart.access"),
                Level.INFO, "{}", null, new Object[] {"the line"});
        assertEquals("the line\n", text(encoder.encode(withArgument)));
    }

    @Test
    void aNullMessageIsWrittenAsNullAsALayoutWould() {
        assertEquals("null\n", text(encoder.encode(event(null))));
    }

    @Test
    void noHeaderAndNoFooter() {
        assertNull(encoder.headerBytes());
        assertNull(encoder.footerBytes());
    }

    /** Random lines of ASCII, Latin-1, other planes and lone surrogates: byte for byte what %msg%n gives. */
    @Test
    void everyLineIsEncodedAsAMsgAndNewlinePatternEncodesIt() {
        PatternLayoutEncoder pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setCharset(StandardCharsets.UTF_8);
        pattern.setPattern("%msg\n");
        pattern.start();
        Random random = new Random(7);
        char[] alphabet = {'a', 'Z', '0', ' ', '"', '\\', '{', '\u0001', '\u007f', '\u0080', '\u00e9', '\u00ff',
                '\u0100', '\u20ac', '\ud83d', '\ude00', '\uffff'};
        for (int n = 0; n < 5_000; n++) {
            StringBuilder line = new StringBuilder();
            int length = random.nextInt(400);
            boolean ascii = random.nextBoolean();
            for (int i = 0; i < length; i++) {
                line.append(alphabet[random.nextInt(ascii ? 8 : alphabet.length)]);
            }
            LoggingEvent event = event(line.toString());
            assertArrayEquals(pattern.encode(event), encoder.encode(event), line::toString);
        }
    }

    private LoggingEvent event(String message) {
        return new LoggingEvent(ch.qos.logback.classic.Logger.FQCN, context.getLogger("rampart.access"), Level.INFO,
                message, null, null);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
