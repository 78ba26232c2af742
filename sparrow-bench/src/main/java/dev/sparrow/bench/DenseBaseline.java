package dev.sparrow.bench;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.Kernels;

/**
 * The dense side of the sparse JMH benchmarks: our dense GEMV (batch 1) or GEMM (X^T batch-contiguous)
 * over copies of one weight matrix, the next copy each call, so that streamed weights come from DRAM.
 */
final class DenseBaseline {
    /** Streamed weights rotate over copies spanning this much, twice a typical L3 or more. */
    static final long STREAM_BYTES = 64L << 20;

    private final float[][] copies;
    private int next;

    DenseBaseline(float[] w, int out, int in, String residency) {
        copies = new float[copies(residency, 4L * out * in)][];
        for (int i = 0; i < copies.length; i++) copies[i] = i == 0 ? w : w.clone();
    }

    /** Copies of {@code bytes} each: enough to span {@link #STREAM_BYTES} (at least 2) when streamed, else 1. */
    static int copies(String residency, long bytes) {
        return residency.equals("streamed") ? (int) Math.max(2, (STREAM_BYTES + bytes - 1) / bytes) : 1;
    }

    /** y = W x (batch 1) or Y^T = W X^T (xt [in][batch]) with the next copy of W. */
    float[] multiply(Kernels dense, int out, int in, int batch, float[] x, float[] xt, float[] y, ComputePool pool) {
        float[] w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        if (batch == 1) dense.gemv(false, out, in, w, 0, in, x, 0, 0f, y, 0, pool);
        else dense.gemm(false, false, out, batch, in, w, 0, in, xt, 0, batch, 0f, y, 0, batch, pool);
        return y;
    }
}
