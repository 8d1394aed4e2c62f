package dev.rampart.core.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A syntax error in the middle of a config file keeps HOCON's own description of it, with its line: the
 * "ends inside a block" rewording is for a file that really ends inside an unclosed block or list only.
 */
class SyntaxErrorInsideTheFileTest extends RejectedConfigSupport {

    static Stream<Arguments> syntaxErrorsInsideTheFile() {
        String upstreams = "  upstreams { app { endpoints = [\"127.0.0.1:8081\"] } }\n";
        return Stream.of(
                Arguments.of("a stray ] after a list", 4, "']'", "rampart {\n  server { port = 8080 }\n"
                        + upstreams + "  routes = [ { upstream = app } ] ]\n}\n"),
                Arguments.of("a separator written twice", 2, "'='", "rampart {\n  server { port: = 8080 }\n"
                        + upstreams + "  routes = [ { upstream = app } ]\n}\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("syntaxErrorsInsideTheFile")
    void aSyntaxErrorInsideTheFileNamesItsTokenAndIsNotCalledAnEndOfFile(String name, int line, String token,
            String hocon) {
        List<String> problems = problemsOf(hocon);

        assertEquals(1, problems.size(), String.join("\n", problems));
        String problem = problems.get(0);
        assertTrue(problem.startsWith("syntax error: "), problem);
        assertTrue(problem.endsWith(at(line)), problem);
        assertTrue(problem.contains(token), "the token the parser stumbled on is named: " + problem);
        assertFalse(problem.contains("ends inside a block"), "the file does not end there: " + problem);
    }
}
