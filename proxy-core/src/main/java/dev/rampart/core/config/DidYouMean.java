package dev.rampart.core.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Suggests the known name closest to a misspelt one. Comparison ignores case and treats {@code _}
 * as {@code -}, since {@code per_try_timeout} and {@code perTryTimeout} are the usual slips of people
 * coming from YAML or Java property files.
 */
final class DidYouMean {

    private DidYouMean() {
    }

    /** The closest candidate, when it is close enough to be a plausible typo. */
    static Optional<String> closest(String wrong, Collection<String> candidates) {
        String w = normalize(wrong);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            int d = distance(w, normalize(candidate));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        int tolerance = Math.max(2, Math.min(w.length(), best.length()) / 3);
        return bestDistance <= tolerance && bestDistance < Math.max(w.length(), best.length())
                ? Optional.of(best) : Optional.empty();
    }

    /** {@code " (did you mean "x"?)"}, or empty text when nothing is close. */
    static String hint(String wrong, Collection<String> candidates) {
        return closest(wrong, candidates).map(c -> " (did you mean \"" + c + "\"?)").orElse("");
    }

    private static String normalize(String s) {
        return s.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Levenshtein distance, two rows at a time. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
