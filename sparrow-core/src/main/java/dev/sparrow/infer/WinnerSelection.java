package dev.sparrow.infer;

import dev.sparrow.kernel.TopK;

/**
 * How the session picks k-WTA winners. {@link #EXACT}: the k largest of each group (quickselect; ties to the
 * lower index), what the model's own forward pass does, and the default. {@link #THRESHOLD}: sort-free, the
 * values above mean + z·std of their group, with z = Φ⁻¹(1 − k/n), so that a normally distributed group keeps
 * about k (Gemma 3n's statistical top-k for its 95% activation sparsity). Two streaming passes instead of a
 * selection; the count kept varies around k and the winners differ from exact top-k near the threshold, so it
 * trades agreement with the trained model for speed (measured in docs/benchmarks.md).
 */
public enum WinnerSelection {
    EXACT, THRESHOLD;

    /**
     * Writes the winners of the n values of {@code in} at {@code base}, {@code stride} apart, to the same places of
     * {@code out} (the others 0); in and out may be the same array. {@code scratch} holds n floats from
     * {@code scratchOff}.
     */
    void select(float[] in, float[] out, int base, int stride, int n, int k, float z, float[] scratch, int scratchOff) {
        select(in, out, base, stride, n, k, z, scratch, scratchOff, null);
    }

    /**
     * As above; with {@code kernels} (or null), a contiguous group of at least {@link BracketSelection#MIN_GROUP}
     * values is selected by {@link BracketSelection}: a sampled bracket, one vectorised pass and a quickselect among
     * the few values inside it, instead of a quickselect over the whole group (several passes that also move every
     * value): the same winners, exact.
     */
    void select(float[] in, float[] out, int base, int stride, int n, int k, float z, float[] scratch, int scratchOff,
                WinnerKernels kernels) {
        if (k >= n) {
            if (in != out) for (int e = 0; e < n; e++) out[base + e * stride] = in[base + e * stride];
            return;
        }
        if (k <= 0) {
            for (int e = 0; e < n; e++) out[base + e * stride] = 0f;
            return;
        }
        if (this == THRESHOLD) {
            threshold(in, out, base, stride, n, z);
            return;
        }
        if (kernels != null && stride == 1 && n >= BracketSelection.MIN_GROUP) {
            BracketSelection.keepLargest(in, out, base, n, k, scratch, scratchOff, kernels);
            return;
        }
        for (int e = 0; e < n; e++) scratch[scratchOff + e] = in[base + e * stride];
        float t = TopK.kthLargest(scratch, scratchOff, n, k);
        BracketSelection.keepFrom(in, out, base, stride, n, t, TopK.tiesToKeep(in, base, stride, n, t, k));
    }

    /** Keeps the values above mean + z·std (one pass for the moments, one for the mask). */
    private static void threshold(float[] in, float[] out, int base, int stride, int n, float z) {
        // four partial sums so the additions do not wait on each other
        float s0 = 0, s1 = 0, q0 = 0, q1 = 0;
        int e = 0;
        for (; e + 1 < n; e += 2) {
            float a = in[base + e * stride], b = in[base + (e + 1) * stride];
            s0 += a;
            s1 += b;
            q0 += a * a;
            q1 += b * b;
        }
        if (e < n) {
            float a = in[base + e * stride];
            s0 += a;
            q0 += a * a;
        }
        float mean = (s0 + s1) / n;
        float var = Math.max(0f, (q0 + q1) / n - mean * mean);
        float t = mean + z * (float) Math.sqrt(var);
        for (e = 0; e < n; e++) {
            int i = base + e * stride;
            float v = in[i];
            out[i] = v > t ? v : 0f;
        }
    }

    /** z = Φ⁻¹(1 − k/n): the standard normal quantile above which a fraction k/n lies. */
    static float z(int k, int n) {
        double p = 1 - (double) k / n;
        if (p <= 0) return Float.NEGATIVE_INFINITY;
        if (p >= 1) return Float.POSITIVE_INFINITY;
        return (float) inverseNormal(p);
    }

    /** Acklam's rational approximation of the normal quantile (relative error below 1.2e-9). */
    static double inverseNormal(double p) {
        final double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                -3.066479806614716e+01, 2.506628277459239e+00};
        final double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                -1.328068155288572e+01};
        final double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                4.374664141464968e+00, 2.938163982698783e+00};
        final double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            double q = Math.sqrt(-2 * Math.log(1 - p));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        double q = p - 0.5, r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
