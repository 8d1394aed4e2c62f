package dev.rampart.core.testing;

/**
 * The seeds of the model tests, which drive the real code and a model of the docs with the same random
 * sequences: each test runs its sequences from {@link #first()} on, and names a failing one with
 * {@link #describe(long)}, so that {@code -Drampart.modelSeed=N} runs it again first.
 */
public final class ModelSeeds {

    private static final String PROPERTY = "rampart.modelSeed";
    private static final long DEFAULT_FIRST = 20261206L;

    private ModelSeeds() {
    }

    /** The seed of the first sequence: {@code -Drampart.modelSeed}, else a fixed one, so runs repeat. */
    public static long first() {
        return Long.getLong(PROPERTY, DEFAULT_FIRST);
    }

    /** {@code seed} in a failure message, with the flag that runs it again first. */
    public static String describe(long seed) {
        return "seed " + seed + " (-D" + PROPERTY + "=" + seed + " reruns it first)";
    }
}
