package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;

/** Argument checks shared by the formats; every message names the layer, the format and the argument. */
final class Checks {
    private Checks() {}

    private static IllegalArgumentException bad(PackedWeights m, String what) {
        return new IllegalArgumentException("layer '" + m.layerName() + "' (" + m.format() + "): " + what);
    }

    static void vector(PackedWeights m, String name, float[] a, int off, int n) {
        if (a == null) throw bad(m, name + " is null");
        if (off < 0 || (long) off + n > a.length) {
            throw bad(m, name + " needs " + n + " elements from offset " + off + " but has length " + a.length);
        }
    }

    static void matrix(PackedWeights m, String name, float[] a, int off, int ld, int nRows, int batch) {
        if (a == null) throw bad(m, name + " is null");
        if (ld < batch) throw bad(m, "leading dimension of " + name + " is " + ld + ", less than batch " + batch);
        if (batch == 0) return;
        long need = (long) off + (long) (nRows - 1) * ld + batch;
        if (off < 0 || need > a.length) {
            throw bad(m, name + " needs " + nRows + " rows of " + batch + " (ld " + ld + ") from offset " + off
                    + " = " + need + " elements but has length " + a.length);
        }
    }

    static void common(PackedWeights m, SparseKernels kernels, float[] bias, ComputePool pool) {
        if (kernels == null) throw bad(m, "kernels is null");
        if (pool == null) throw bad(m, "pool is null");
        if (bias != null && bias.length < m.rows()) {
            throw bad(m, "bias has " + bias.length + " elements, needs rows = " + m.rows());
        }
    }

    static void gemv(PackedWeights m, SparseKernels kernels, float[] x, int xOff, float[] y, int yOff,
                     float[] bias, ComputePool pool) {
        common(m, kernels, bias, pool);
        vector(m, "x", x, xOff, m.cols());
        vector(m, "y", y, yOff, m.rows());
    }

    static void spmm(PackedWeights m, SparseKernels kernels, float[] xt, int xtOff, int ldx, int batch,
                     float[] yt, int ytOff, int ldy, float[] bias, ComputePool pool) {
        common(m, kernels, bias, pool);
        if (batch < 0) throw bad(m, "batch must be >= 0, got " + batch);
        matrix(m, "xt", xt, xtOff, ldx, m.cols(), batch);
        matrix(m, "yt", yt, ytOff, ldy, m.rows(), batch);
    }

    static void sparseInput(PackedWeights m, SparseKernels kernels, int[] idx, float[] vals, int count,
                            float[] y, int yOff, float[] bias) {
        common(m, kernels, bias, ComputePool.serial());
        if (idx == null || vals == null) throw bad(m, "activeIdx and activeVals must not be null");
        if (count < 0 || count > idx.length || count > vals.length) {
            throw bad(m, "count " + count + " exceeds activeIdx (" + idx.length + ") or activeVals (" + vals.length + ")");
        }
        for (int i = 0; i < count; i++) {
            if (idx[i] < 0 || idx[i] >= m.cols()) {
                throw bad(m, "activeIdx[" + i + "] = " + idx[i] + " is outside [0, " + m.cols() + ")");
            }
        }
        vector(m, "y", y, yOff, m.rows());
    }

    /** y[i] = bias[i] (or 0) for the rows [0, rows). */
    static void initBias(float[] y, int yOff, float[] bias, int rows) {
        for (int r = 0; r < rows; r++) y[yOff + r] = bias == null ? 0f : bias[r];
    }

    static void relu(float[] y, int yOff, int rows) {
        for (int r = 0; r < rows; r++) {
            float v = y[yOff + r];
            y[yOff + r] = v > 0f ? v : 0f;
        }
    }

    /** Columns [b0, b1) of every row of Y^T set to the row's bias. */
    static void initBiasColumns(float[] yt, int ytOff, int ldy, int rows, int b0, int b1, float[] bias) {
        for (int r = 0; r < rows; r++) {
            float b = bias == null ? 0f : bias[r];
            int o = ytOff + r * ldy;
            for (int j = b0; j < b1; j++) yt[o + j] = b;
        }
    }

    static void reluColumns(float[] yt, int ytOff, int ldy, int rows, int b0, int b1) {
        for (int r = 0; r < rows; r++) {
            int o = ytOff + r * ldy;
            for (int j = b0; j < b1; j++) {
                float v = yt[o + j];
                yt[o + j] = v > 0f ? v : 0f;
            }
        }
    }
}
