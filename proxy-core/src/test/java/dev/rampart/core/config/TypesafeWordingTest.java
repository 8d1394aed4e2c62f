package dev.rampart.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Typesafe's messages that print its own objects come out in the operator's words: no class names of the
 * library, and no rendering of a whole block, which holds every value in it (a token among them).
 */
class TypesafeWordingTest extends RejectedConfigSupport {

    @Test
    void aNamedBlockInsideAListIsNamedWithoutTheBlocksValues() {
        List<String> problems = problemsOf(withRoutes("""
                    main { upstream = app, request-headers { set { Authorization = "Bearer s3cret" } } }"""));

        assertEquals(List.of("syntax error: \"main\" and a { ... } block side by side, which HOCON cannot join into"
                + " one value: a value that is a block is written { ... } alone (in a list too, where an element is"
                + " { name = ..., ... }, not name { ... })" + at(4)), problems);
    }

    @Test
    void aWordBesideAListIsNamedAsOneValueThatCannotBeJoined() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = x ["127.0.0.1:8081"] } }
                }
                """);

        assertEquals(List.of("syntax error: \"x\" and a [ ... ] list side by side, which HOCON cannot join into one"
                + " value: a value that is a list is written [ ... ] alone" + at(2)), problems);
    }

    @Test
    void aListBesideABlockIsNamedAsTheTwoItIsNotAsAWordAndAList() {
        List<String> problems = problemsOf("""
                rampart {
                  upstreams { app { endpoints = ["127.0.0.1:8081"] { weight = 2 } } }
                }
                """);

        assertEquals(List.of("syntax error: a [ ... ] list and a { ... } block side by side, which HOCON cannot join"
                + " into one value: a value is a list or a block, not both" + at(2)), problems);
    }

    @Test
    void anIncludeCycleNamesItsFilesOnceEach() throws Exception {
        Files.writeString(dir.resolve("a.conf"), "include \"b.conf\"\n");
        Files.writeString(dir.resolve("b.conf"), "include \"a.conf\"\n");

        List<String> problems = problemsOf("include \"a.conf\"\n" + HoconFiles.MINIMAL);

        String a = dir.resolve("a.conf").toString();
        String b = dir.resolve("b.conf").toString();
        assertEquals(1, problems.size(), problems.toString());
        assertEquals("syntax error: includes are nested more than 50 deep: they include each other in a cycle ("
                + a + " includes " + b + " includes " + a + ")", problems.get(0).replaceFirst(" \\([^()]*\\)$", ""),
                problems.get(0));
    }
}
