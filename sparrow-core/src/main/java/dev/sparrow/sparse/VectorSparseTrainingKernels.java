package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;

import static dev.sparrow.sparse.VectorSupport.BITS;
import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.L;
import static dev.sparrow.sparse.VectorSupport.SWAP1;
import static dev.sparrow.sparse.VectorSupport.SWAP2;
import static dev.sparrow.sparse.VectorSupport.SWAP4;
import static dev.sparrow.sparse.VectorSupport.SWAP8;

/**
 * {@link SparseTrainingKernels} on the Vector API. Per nonzero: the batch in vectors, two accumulators
 * for the dot product (so its FMA chain is half as long) and the dX^T row updated in place; the dY^T row
 * of the weight row stays in L1 across its nonzeros. One loop nest per method, no vector crosses a method.
 *
 * <p>The lanes of a dot product are summed in a fixed tree (halves, quarters, ...) of exact lane-wise adds,
 * not by {@code reduceLanes(ADD)}: the Vector API leaves the order of a floating-point reduction open, and
 * HotSpot's interpreter sums lane by lane while C2's code sums in a tree, so the same call gave different
 * bits before and after the kernel was compiled. A training run's results then depended on how warm the JIT
 * was: a run resumed from a checkpoint (or a second run of the same seed in one JVM) differed from the first.
 */
final class VectorSparseTrainingKernels implements SparseTrainingKernels {

    private VectorSparseTrainingKernels() {}

    /** Called reflectively by the backend; null where vectors are narrower than 256 bits. */
    static SparseTrainingKernels createIfUseful() {
        return BITS >= 256 ? new VectorSparseTrainingKernels() : null;
    }

    @Override public String name() { return "vector-" + BITS; }

    @Override
    public void backward(int[] rowPtr, char[] cols, float[] w, float[] dyt, float[] xt, int batch, float[] dw,
                         float[] dxt, int rowFrom, int rowTo) {
        int upper2 = batch - batch % (2 * L);
        int upper1 = batch - batch % L;
        for (int r = rowFrom; r < rowTo; r++) {
            int dy = r * batch;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int xo = cols[k] * batch;
                float wk = w[k];
                FloatVector wv = FloatVector.broadcast(F, wk);
                FloatVector acc0 = FloatVector.zero(F);
                FloatVector acc1 = FloatVector.zero(F);
                int b = 0;
                for (; b < upper2; b += 2 * L) {
                    FloatVector g0 = FloatVector.fromArray(F, dyt, dy + b);
                    FloatVector g1 = FloatVector.fromArray(F, dyt, dy + b + L);
                    acc0 = g0.fma(FloatVector.fromArray(F, xt, xo + b), acc0);
                    acc1 = g1.fma(FloatVector.fromArray(F, xt, xo + b + L), acc1);
                    g0.fma(wv, FloatVector.fromArray(F, dxt, xo + b)).intoArray(dxt, xo + b);
                    g1.fma(wv, FloatVector.fromArray(F, dxt, xo + b + L)).intoArray(dxt, xo + b + L);
                }
                if (b < upper1) {
                    FloatVector g0 = FloatVector.fromArray(F, dyt, dy + b);
                    acc0 = g0.fma(FloatVector.fromArray(F, xt, xo + b), acc0);
                    g0.fma(wv, FloatVector.fromArray(F, dxt, xo + b)).intoArray(dxt, xo + b);
                    b += L;
                }
                FloatVector v = acc0.add(acc1);
                if (L == 16) v = v.add(v.rearrange(SWAP8));
                v = v.add(v.rearrange(SWAP4));
                v = v.add(v.rearrange(SWAP2));
                float s = v.add(v.rearrange(SWAP1)).lane(0);
                for (; b < batch; b++) {
                    float g = dyt[dy + b];
                    s += g * xt[xo + b];
                    dxt[xo + b] += wk * g;
                }
                dw[k] += s;
            }
        }
    }

    /**
     * Four nonzeros of a row at a time: each dY^T vector loaded once feeds four dot products (5 loads per 4 FMAs
     * instead of 8), four independent FMA chains; the row's last 0-3 nonzeros one by one as in backward.
     */
    @Override
    public void weightGradient(int[] rowPtr, char[] cols, float[] dyt, float[] xt, int batch, float[] dw,
                               int rowFrom, int rowTo) {
        int upper1 = batch - batch % L;
        for (int r = rowFrom; r < rowTo; r++) {
            int dy = r * batch;
            int k = rowPtr[r];
            int end = rowPtr[r + 1];
            for (; k + 4 <= end; k += 4) {
                int x0 = cols[k] * batch, x1 = cols[k + 1] * batch, x2 = cols[k + 2] * batch, x3 = cols[k + 3] * batch;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int b = 0;
                for (; b < upper1; b += L) {
                    FloatVector g = FloatVector.fromArray(F, dyt, dy + b);
                    a0 = g.fma(FloatVector.fromArray(F, xt, x0 + b), a0);
                    a1 = g.fma(FloatVector.fromArray(F, xt, x1 + b), a1);
                    a2 = g.fma(FloatVector.fromArray(F, xt, x2 + b), a2);
                    a3 = g.fma(FloatVector.fromArray(F, xt, x3 + b), a3);
                }
                if (L == 16) {
                    a0 = a0.add(a0.rearrange(SWAP8));
                    a1 = a1.add(a1.rearrange(SWAP8));
                    a2 = a2.add(a2.rearrange(SWAP8));
                    a3 = a3.add(a3.rearrange(SWAP8));
                }
                a0 = a0.add(a0.rearrange(SWAP4));
                a1 = a1.add(a1.rearrange(SWAP4));
                a2 = a2.add(a2.rearrange(SWAP4));
                a3 = a3.add(a3.rearrange(SWAP4));
                a0 = a0.add(a0.rearrange(SWAP2));
                a1 = a1.add(a1.rearrange(SWAP2));
                a2 = a2.add(a2.rearrange(SWAP2));
                a3 = a3.add(a3.rearrange(SWAP2));
                float s0 = a0.add(a0.rearrange(SWAP1)).lane(0);
                float s1 = a1.add(a1.rearrange(SWAP1)).lane(0);
                float s2 = a2.add(a2.rearrange(SWAP1)).lane(0);
                float s3 = a3.add(a3.rearrange(SWAP1)).lane(0);
                for (int c = b; c < batch; c++) {
                    float g = dyt[dy + c];
                    s0 += g * xt[x0 + c];
                    s1 += g * xt[x1 + c];
                    s2 += g * xt[x2 + c];
                    s3 += g * xt[x3 + c];
                }
                dw[k] += s0;
                dw[k + 1] += s1;
                dw[k + 2] += s2;
                dw[k + 3] += s3;
            }
            for (; k < end; k++) {
                int xo = cols[k] * batch;
                FloatVector acc = FloatVector.zero(F);
                int b = 0;
                for (; b < upper1; b += L) {
                    acc = FloatVector.fromArray(F, dyt, dy + b).fma(FloatVector.fromArray(F, xt, xo + b), acc);
                }
                if (L == 16) acc = acc.add(acc.rearrange(SWAP8));
                acc = acc.add(acc.rearrange(SWAP4));
                acc = acc.add(acc.rearrange(SWAP2));
                float s = acc.add(acc.rearrange(SWAP1)).lane(0);
                for (; b < batch; b++) s += dyt[dy + b] * xt[xo + b];
                dw[k] += s;
            }
        }
    }
}
