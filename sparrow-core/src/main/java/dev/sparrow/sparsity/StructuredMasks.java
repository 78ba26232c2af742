package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

/**
 * Magnitude masks with a fixed structure over a weight viewed as [rows, fanIn] (rows are output
 * neurons; for a convolution the input dimension runs over cin·kh·kw in storage order). Within a
 * group the largest |w| are kept, ties to the lower index.
 */
public final class StructuredMasks {
    private StructuredMasks() {}

    /**
     * N:M sparsity: in every group of {@code m} consecutive weights along the input dimension, exactly
     * the {@code n} largest |w| are active. {@code m} must divide the fan-in.
     */
    public static Mask nOfM(float[] weights, int rows, int fanIn, int n, int m) {
        checkNm(n, m);
        checkShape(weights, rows, fanIn);
        if (fanIn % m != 0) {
            throw new IllegalArgumentException("M is " + m + " but the fan-in " + fanIn + " is not a multiple of it");
        }
        float[] keep = new float[weights.length];
        fillGroups(weights, keep, m, n);
        return Mask.of(keep);
    }

    /** Checks N:M options: 1 &lt;= N &lt;= M. */
    public static void checkNm(int n, int m) {
        if (m < 1) throw new IllegalArgumentException("M is " + m + "; expected >= 1");
        if (n < 1 || n > m) throw new IllegalArgumentException("N is " + n + "; expected 1 <= N <= M = " + m + " (N > M is impossible)");
    }

    /**
     * Bank-balanced sparsity: each row is split into banks of {@code bankWidth} consecutive weights and
     * every bank keeps exactly its {@code keepPerBank} largest |w|. {@code bankWidth} must divide the
     * fan-in.
     */
    public static Mask bankBalanced(float[] weights, int rows, int fanIn, int bankWidth, int keepPerBank) {
        checkShape(weights, rows, fanIn);
        if (bankWidth < 1 || fanIn % bankWidth != 0) {
            throw new IllegalArgumentException("bank width is " + bankWidth + "; it must be >= 1 and divide the fan-in " + fanIn);
        }
        if (keepPerBank < 0 || keepPerBank > bankWidth) {
            throw new IllegalArgumentException("keep per bank is " + keepPerBank + "; expected in [0, " + bankWidth + "]");
        }
        float[] keep = new float[weights.length];
        fillGroups(weights, keep, bankWidth, keepPerBank);
        return Mask.of(keep);
    }

    private static void checkShape(float[] weights, int rows, int fanIn) {
        if (weights == null) throw new IllegalArgumentException("weights must not be null");
        if (rows < 1 || fanIn < 1 || (long) rows * fanIn != weights.length) {
            throw new IllegalArgumentException("rows " + rows + " x fan-in " + fanIn + " does not match " + weights.length + " weights");
        }
    }

    /** Marks the {@code keepCount} largest |w| of every consecutive group of {@code width} (width divides the length). */
    static void fillGroups(float[] w, float[] keep, int width, int keepCount) {
        for (int g = 0; g < w.length; g += width) {
            for (int j = g; j < g + width; j++) keep[j] = 0f;
            for (int picked = 0; picked < keepCount; picked++) {
                int best = -1;
                float bestAbs = -1f;
                for (int j = g; j < g + width; j++) {
                    if (keep[j] != 0f) continue;
                    float a = Math.abs(w[j]);
                    if (a > bestAbs) { // strict: an equal magnitude keeps the lower index
                        bestAbs = a;
                        best = j;
                    }
                }
                keep[best] = 1f;
            }
        }
    }
}
