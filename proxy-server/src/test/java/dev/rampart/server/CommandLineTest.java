package dev.rampart.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: what it takes, and the slips it refuses instead of guessing (exit 2, with usage). */
class CommandLineTest {

    @Test
    void aConfigFileAndCheckInEitherOrder() {
        CommandLine line = CommandLine.parse(new String[] {"--check", "--config", "conf/proxy.conf"});
        assertEquals(Optional.of(Path.of("conf/proxy.conf")), line.config());
        assertTrue(line.check());
        assertEquals(Optional.of(Path.of("a.conf")), CommandLine.parse(new String[] {"-c", "a.conf", "-t"}).config());
        assertEquals(Optional.of(Path.of("--check")), CommandLine.parse(new String[] {"--config=--check"}).config(),
                "written with =, the name is the file's, whatever it looks like");
    }

    @Test
    void anOptionWhereTheFileShouldBeIsAForgottenFileName() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> CommandLine.parse(new String[] {"--config", "--check"}));
        assertEquals("--config needs a file (got the option --check; write ./--check for a file of that name)",
                refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"-c", "-t"}));
        assertEquals("--config needs a file",
                assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(new String[] {"--config"}))
                        .getMessage());
    }

    @Test
    void twoConfigFilesAreRefusedRatherThanTheLastOneTaken() {
        for (String[] args : new String[][] {{"--config", "a.conf", "--config", "b.conf"},
                {"--config=a.conf", "-c", "b.conf"}, {"-c", "a.conf", "--config=b.conf"}}) {
            assertEquals("--config given twice: one config file runs",
                    assertThrows(IllegalArgumentException.class, () -> CommandLine.parse(args)).getMessage(),
                    String.join(" ", args));
        }
    }
}
