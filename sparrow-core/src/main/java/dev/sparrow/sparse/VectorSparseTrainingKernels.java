package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

import static dev.sparrow.sparse.VectorSupport.BITS;
import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.L;

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
    // lane i takes lane i ^ h: adding a vector to itself rearranged so halves the lanes still to be summed
    private static final VectorShuffle<Float> SWAP8 = L == 16 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    private static final VectorShuffle<Float> SWAP4 = VectorShuffle.fromOp(F, i -> i ^ 4);
    private static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(F, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);

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

    @Override
    public void weightGradient(int[] rowPtr, char[] cols, float[] dyt, float[] xt, int batch, float[] dw,
                               int rowFrom, int rowTo) {
        int upper2 = batch - batch % (2 * L);
        int upper1 = batch - batch % L;
        for (int r = rowFrom; r < rowTo; r++) {
            int dy = r * batch;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int xo = cols[k] * batch;
                FloatVector acc0 = FloatVector.zero(F);
                FloatVector acc1 = FloatVector.zero(F);
                int b = 0;
                for (; b < upper2; b += 2 * L) {
                    acc0 = FloatVector.fromArray(F, dyt, dy + b).fma(FloatVector.fromArray(F, xt, xo + b), acc0);
                    acc1 = FloatVector.fromArray(F, dyt, dy + b + L).fma(FloatVector.fromArray(F, xt, xo + b + L), acc1);
                }
                if (b < upper1) {
                    acc0 = FloatVector.fromArray(F, dyt, dy + b).fma(FloatVector.fromArray(F, xt, xo + b), acc0);
                    b += L;
                }
                FloatVector v = acc0.add(acc1);
                if (L == 16) v = v.add(v.rearrange(SWAP8));
                v = v.add(v.rearrange(SWAP4));
                v = v.add(v.rearrange(SWAP2));
                float s = v.add(v.rearrange(SWAP1)).lane(0);
                for (; b < batch; b++) s += dyt[dy + b] * xt[xo + b];
                dw[k] += s;
            }
        }
    }
}
