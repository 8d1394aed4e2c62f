package dev.rampart.core.upstream.pool;

import io.netty.handler.ssl.NotSslRecordException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NotTlsAnswerTest {

    private static NotSslRecordException asNettyThrowsIt(byte[] read) {
        return new NotSslRecordException("not an SSL/TLS record: " + HexFormat.of().formatHex(read));
    }

    @Test
    void aTextAnswerIsQuotedByItsFirstWordOnly() {
        Throwable readable = NotTlsAnswer.readable(asNettyThrowsIt(
                "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(readable instanceof NotSslRecordException, "the same type: classified as before");
        assertEquals("not an SSL/TLS record: the endpoint answered in plain text, beginning \"SSH-2.0-OpenSSH_9.2p1\""
                + " (not TLS)", readable.getMessage());
    }

    @Test
    void aLongFirstWordIsCut() {
        String described = NotTlsAnswer.describe(HexFormat.of().formatHex(
                "{\"password\":\"hunter2hunter2hunter2\"}".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("not an SSL/TLS record: the endpoint answered in plain text, beginning"
                + " \"{\"password\":\"hunter2hunt...\" (not TLS)", described);
    }

    @Test
    void binaryBytesAreQuotedAsTheRecordHeaderThatWasRefused() {
        assertEquals("not an SSL/TLS record: the endpoint answered bytes that are not TLS, beginning"
                + " 0x00 0x00 0x12 0x04 0x00", NotTlsAnswer.describe("00001204000000000000"));
    }

    @Test
    void aMessageInAnotherFormOrAnotherFailureIsLeftAsItIs() {
        IOException reset = new IOException("Connection reset by peer");
        assertSame(reset, NotTlsAnswer.readable(reset));
        NotSslRecordException other = new NotSslRecordException("something else");
        assertSame(other, NotTlsAnswer.readable(other));
        assertEquals("not an SSL/TLS record: the endpoint does not speak TLS", NotTlsAnswer.describe("zz"));
    }
}
