package dev.sparrow.measure;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The inputs of one batch size, uniform in [-1, 1): x [batch][in] and its transpose xt [in][batch] (the
 * sparse spmm's layout), plus a sparse input (a fraction of the inputs nonzero, the output of a ReLU or
 * k-WTA layer) as an (index, value) list of {@code activeCount} entries and as a dense vector [in].
 */
public record KernelInputs(int batch, float[] xt, float[] x, int[] activeIdx, float[] activeVals, int activeCount,
                           float[] sparseXDense) {

    /** Inputs of {@code batch} samples; the sparse input keeps {@code round(inputDensity * in)} (at least one). */
    public static KernelInputs random(int batch, int in, double inputDensity, SplittableRandom rnd) {
        float[] x = uniform(batch * in, rnd);
        int count = Math.max(1, (int) Math.round(inputDensity * in));
        int[] perm = new int[in];
        for (int i = 0; i < in; i++) perm[i] = i;
        for (int i = 0; i < count; i++) { // the first count entries of a random permutation
            int j = i + rnd.nextInt(in - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] idx = Arrays.copyOf(perm, count);
        float[] vals = new float[count];
        float[] sparseDense = new float[in];
        for (int i = 0; i < count; i++) {
            vals[i] = x[idx[i]];
            sparseDense[idx[i]] = vals[i];
        }
        return new KernelInputs(batch, transpose(x, batch, in), x, idx, vals, count, sparseDense);
    }

    /** X^T [in][batch] with every input not in the active list zero in all samples. */
    public float[] xtOfActiveInputs() {
        float[] t = new float[xt.length];
        for (int k = 0; k < activeCount; k++) {
            System.arraycopy(xt, activeIdx[k] * batch, t, activeIdx[k] * batch, batch);
        }
        return t;
    }

    /** {@code n} values uniform in [-1, 1). */
    public static float[] uniform(int n, SplittableRandom rnd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextDouble() * 2 - 1);
        return a;
    }

    /** a [rows][cols] as [cols][rows]. */
    public static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }
}
