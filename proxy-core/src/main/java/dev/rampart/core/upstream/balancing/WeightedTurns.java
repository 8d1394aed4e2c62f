package dev.rampart.core.upstream.balancing;

import java.util.PriorityQueue;

/**
 * An upstream's endpoint weights as the weighted selectors use them: {@link #order} lists endpoint indices,
 * each as many times as its weight (divided by the weights' greatest common divisor), spread out so that a
 * heavy endpoint's turns are interleaved with the others' rather than taken in a row (nginx's smooth weighted
 * round-robin spreads them too, in a slightly different order). A uniform draw from {@link #order} is a draw weighted by the weights.
 */
final class WeightedTurns {

    /** Endpoint indices in the order of their turns; each index appears {@code weights[i]} times. */
    final int[] order;
    /** The reduced weights, by endpoint index. */
    final int[] weights;

    WeightedTurns(int[] configured) {
        if (configured.length == 0) {
            throw new IllegalArgumentException("no endpoints");
        }
        int divisor = 0;
        for (int w : configured) {
            if (w < 1) {
                throw new IllegalArgumentException("weight " + w + " (expected >= 1)");
            }
            divisor = gcd(divisor, w);
        }
        weights = new int[configured.length];
        int total = 0;
        for (int i = 0; i < configured.length; i++) {
            weights[i] = configured[i] / divisor;
            total = Math.addExact(total, weights[i]);
        }
        order = spread(weights, total);
    }

    /**
     * Each endpoint's k-th turn falls at (k + ½) / weight of the way through the cycle; the turns are taken in
     * that order (earlier index first on a tie). With weights 5, 1, 1 that is a a a b c a a.
     */
    private static int[] spread(int[] weights, int total) {
        int[] taken = new int[weights.length];
        // Turn times compared as fractions by cross-multiplication: (2k_a + 1) / w_a against (2k_b + 1) / w_b.
        PriorityQueue<Integer> next = new PriorityQueue<>((a, b) -> {
            int byTime = Long.compare((2L * taken[a] + 1) * weights[b], (2L * taken[b] + 1) * weights[a]);
            return byTime != 0 ? byTime : Integer.compare(a, b);
        });
        for (int i = 0; i < weights.length; i++) {
            next.add(i);
        }
        int[] order = new int[total];
        for (int t = 0; t < total; t++) {
            int i = next.poll();
            order[t] = i;
            taken[i]++;
            if (taken[i] < weights[i]) {
                next.add(i);
            }
        }
        return order;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int r = a % b;
            a = b;
            b = r;
        }
        return a;
    }
}
