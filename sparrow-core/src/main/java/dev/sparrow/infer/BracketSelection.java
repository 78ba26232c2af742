package dev.sparrow.infer;

import dev.sparrow.kernel.TopK;

/**
 * Exact k-WTA winners of a large group by bracketing the k-th largest from a sample (Floyd and Rivest's idea):
 * <ol>
 * <li>take up to {@value #SAMPLE} values (a quarter of a smaller group) evenly spread over the group and select, among them, two values whose ranks
 *     lie a few standard deviations above and below where the k-th largest's rank falls in a sample of that size:
 *     the k-th largest of the whole group almost surely lies between them;</li>
 * <li>one pass over the group counts the values above the upper bound and copies those inside the bracket
 *     (about 8% of the group) to scratch (vectorised, {@link WinnerKernels});</li>
 * <li>quickselect among those few finds the k-th largest exactly; a last pass (vectorised) keeps the winners.</li>
 * </ol>
 * So the group is read twice and moved never, where a quickselect over all of it (the reference,
 * {@link TopK}) moves every value several times through a chain of dependent stores: for the 9216 values after
 * gsc-cnn's first pooled convolution, k 922, several times faster (measured in docs/benchmarks.md). When the
 * bracket misses (a sample that is unlucky, or a group with NaN) it falls back to the plain quickselect, so the
 * winners are always exactly those of {@link TopK}: the k largest, ties to the lower index.
 */
final class BracketSelection {
    /** Values sampled to place the bracket, at most: a quarter of the group for smaller groups. */
    static final int SAMPLE = 512;
    /** Groups smaller than this are selected by a plain quickselect (a sample of 128 or fewer places the bracket too loosely to pay). */
    static final int MIN_GROUP = 512;
    /** Half-width of the bracket in standard deviations of the sampled rank (a miss every few thousand groups). */
    private static final double SIGMAS = 3.5;

    private BracketSelection() {}

    /**
     * Writes the k largest of the n values of {@code in} from {@code base} to the same places of {@code out} and 0
     * elsewhere (in and out may be the same array); 1 &lt;= k &lt; n, n &gt;= {@link #MIN_GROUP}. {@code scratch}
     * holds n floats from {@code off}.
     */
    static void keepLargest(float[] in, float[] out, int base, int n, int k, float[] scratch, int off, WinnerKernels kernels) {
        // 1. the sample and the bracket [lo, hi] around the rank k·SAMPLE/n
        int size = Math.min(SAMPLE, n / 4);
        for (int i = 0; i < size; i++) scratch[off + i] = in[base + (int) ((2L * i + 1) * n / (2L * size))];
        double rank = (double) k * size / n;
        double margin = SIGMAS * Math.sqrt(rank * (1 - rank / size)) + 2;
        int hiRank = (int) Math.floor(rank - margin), loRank = (int) Math.ceil(rank + margin);
        float hi = hiRank < 1 ? Float.POSITIVE_INFINITY : TopK.kthLargest(scratch, off, size, hiRank);
        float lo = loRank > size ? Float.NEGATIVE_INFINITY : TopK.kthLargest(scratch, off, size, loRank);
        // 2. count above the bracket, copy what is inside it (over the sample, which is no longer needed)
        long b = kernels.bracket(in, base, n, lo, hi, scratch, off);
        int inside = WinnerKernels.inside(b), above = WinnerKernels.above(b);
        if ((b & WinnerKernels.NAN_SEEN) != 0 || above >= k || above + inside < k) {
            // missed (or NaN, whose order only the reference defines): the plain quickselect, same winners
            for (int e = 0; e < n; e++) scratch[off + e] = in[base + e];
            float t = TopK.kthLargest(scratch, off, n, k);
            keepFrom(in, out, base, 1, n, t, TopK.tiesToKeep(in, base, 1, n, t, k));
            return;
        }
        // 3. the k-th largest among the few inside the bracket, and how many of its ties win
        float t = TopK.kthLargest(scratch, off, inside, k - above);
        int greater = 0, equal = 0;
        for (int i = off; i < off + inside; i++) {
            float v = scratch[i];
            greater += v > t ? 1 : 0;
            equal += v == t ? 1 : 0;
        }
        int tiesLeft = k - above - greater;
        if (tiesLeft == equal) kernels.keepAtLeast(in, out, base, n, t); // every tie wins (no tie but t itself, usually)
        else keepFrom(in, out, base, 1, n, t, tiesLeft);
    }

    /** Keeps the values above t and the first {@code tiesLeft} equal to it; the others become 0. */
    static void keepFrom(float[] in, float[] out, int base, int stride, int n, float t, int tiesLeft) {
        for (int e = 0; e < n; e++) { // branch-free: winners are scattered at random
            int i = base + e * stride;
            float b = in[i];
            boolean tie = b == t & tiesLeft > 0;
            tiesLeft -= tie ? 1 : 0;
            out[i] = b > t | tie ? b : 0f;
        }
    }
}
