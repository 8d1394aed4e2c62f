package dev.rampart.core.config;

import dev.rampart.core.observe.LogText;

import java.util.List;

/**
 * A configuration that must not be used: it did not parse, or it failed validation.
 *
 * <p>All problems are collected before this is thrown, so an operator fixes a file in one pass
 * instead of one error per restart. {@link #getMessage()} holds one problem per line, each in the
 * form {@code key.path: what was expected, what was got (file:line)}.
 */
public final class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /**
     * @param problems one each, in file order; at least one. A line break or other control character in
     *                 one (a value quoted from the file, an environment variable, an include's name) is
     *                 escaped, so that each stays one line and none can pass for a line of the log.
     */
    public ConfigException(List<String> problems) {
        super(String.join("\n", oneLineEach(problems)));
        this.problems = oneLineEach(problems);
    }

    /** The problems, one per element, in the order {@link #getMessage()} lists them. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> oneLineEach(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("problems: [] (expected: at least one)");
        }
        return problems.stream().map(LogText::oneLine).toList();
    }
}
