package dev.rampart.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Tells a file saved as UTF-16 from one in UTF-8, so that a parse error can say so instead of quoting NULs. */
final class Utf16Files {

    /** As much of the start as the guess looks at: a config's first lines. */
    private static final int LOOKED_AT = 512;

    private Utf16Files() {
    }

    /**
     * Whether the file starts with a UTF-16 byte-order mark, or a quarter or more of its first bytes are NUL
     * (UTF-16 text in ASCII letters has one every other byte; UTF-8 text has none). False for a file that
     * cannot be read, or for no file at all (text given directly).
     */
    static boolean isUtf16(String file) {
        if (file == null) {
            return false;
        }
        byte[] start;
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            start = in.readNBytes(LOOKED_AT);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        if (start.length >= 2 && (start[0] == (byte) 0xFE && start[1] == (byte) 0xFF
                || start[0] == (byte) 0xFF && start[1] == (byte) 0xFE)) {
            return true;
        }
        int nuls = 0;
        for (byte b : start) {
            nuls += b == 0 ? 1 : 0;
        }
        return nuls > 0 && nuls * 4 >= start.length; // one stray NUL in UTF-8 text is that text's problem
    }
}
