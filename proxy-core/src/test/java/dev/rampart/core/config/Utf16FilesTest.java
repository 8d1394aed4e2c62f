package dev.rampart.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a config file in UTF-16 is told from one in UTF-8: by its byte-order mark, which is what gives away text
 * that is not in Latin letters (it has few NULs), or by a quarter or more of NULs among its first bytes.
 */
class Utf16FilesTest {

    @TempDir
    Path dir;

    /** Comments in Cyrillic, as an operator may write them: in UTF-16 their code units hold no NUL byte. */
    private static final String CYRILLIC = """
            # Конфигурация прокси: маршруты к приложению, таймауты и повторные попытки запросов
            # Настройки ниже проверены на стенде разработки; перед выкладкой сверьте адреса
            rampart { routes = [ { upstream = app }
            """;

    @Test
    void aFileInUtf16WithAByteOrderMarkIsNamedSoWhateverItsScript() throws Exception {
        for (Charset utf16 : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE)) {
            byte[] text = CYRILLIC.getBytes(utf16);
            byte[] bom = utf16 == StandardCharsets.UTF_16BE ? new byte[] {(byte) 0xFE, (byte) 0xFF}
                    : new byte[] {(byte) 0xFF, (byte) 0xFE};
            Path file = write("cyrillic.conf", concat(bom, text));

            List<String> problems = HoconFiles.problems(file);

            assertEquals(List.of(file + ": the file is in UTF-16 (as Windows PowerShell's > and Out-File write by"
                    + " default): save it as UTF-8, which HOCON files are read in"), problems, utf16.toString());
        }
    }

    @Test
    void aByteOrderMarkAloneIsUtf16() throws Exception {
        // What Notepad saves for an empty file in "Unicode".
        assertTrue(Utf16Files.isUtf16(write("bom.conf", new byte[] {(byte) 0xFF, (byte) 0xFE}).toString()));
        assertTrue(Utf16Files.isUtf16(write("bom-be.conf", new byte[] {(byte) 0xFE, (byte) 0xFF}).toString()));
        assertFalse(Utf16Files.isUtf16(write("one.conf", new byte[] {(byte) 0xFE}).toString()));
        // Half a mark is no mark: bytes no UTF-8 file has, but no UTF-16 either.
        assertFalse(Utf16Files.isUtf16(write("fe.conf", new byte[] {(byte) 0xFE, 'r', 'a'}).toString()));
        assertFalse(Utf16Files.isUtf16(write("ff.conf", new byte[] {(byte) 0xFF, 'r', 'a'}).toString()));
    }

    @Test
    void aQuarterOfNulsOrMoreIsUtf16AndFewerIsNot() throws Exception {
        assertTrue(Utf16Files.isUtf16(write("quarter.conf", withNuls(100, 25)).toString()));
        assertFalse(Utf16Files.isUtf16(write("fewer.conf", withNuls(100, 24)).toString()));
        assertFalse(Utf16Files.isUtf16(write("none.conf", withNuls(100, 0)).toString()));
        assertFalse(Utf16Files.isUtf16(write("empty.conf", new byte[0]).toString()));
    }

    @Test
    void noFileOrOneThatCannotBeReadIsNotUtf16() {
        assertFalse(Utf16Files.isUtf16(null), "text given directly");
        assertFalse(Utf16Files.isUtf16(dir.resolve("gone.conf").toString()));
    }

    /** {@code length} bytes of ASCII text, {@code nuls} of them NUL. */
    private static byte[] withNuls(int length, int nuls) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 'a');
        for (int i = 0; i < nuls; i++) {
            bytes[i * 2 + 1] = 0;
        }
        return bytes;
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
