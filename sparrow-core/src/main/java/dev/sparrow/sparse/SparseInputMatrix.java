package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;

/**
 * A weight matrix stored input-major, so that a sparse input (e.g. the output of a k-WTA or ReLU layer)
 * costs only its nonzero inputs: each one scatter-adds its weight column into the output, which stays
 * in L1.
 */
public interface SparseInputMatrix extends PackedWeights {

    /**
     * y = act(W x + b) where x is given by its {@code count} nonzero entries: x[activeIdx[i]] =
     * activeVals[i] (indices distinct, any order). Runs on the calling thread (y is too small to split).
     */
    void gemvSparseInput(SparseKernels kernels, int[] activeIdx, float[] activeVals, int count,
                         float[] y, int yOff, float[] bias, boolean relu);

    /**
     * Y = act(W X + b) for a batch stored as in {@link #spmm}, sample by sample: each sample visits only
     * its own nonzero inputs. Samples are split over the pool.
     */
    void spmmSparseInput(SparseKernels kernels, float[] xt, int xtOff, int ldx, int batch,
                         float[] yt, int ytOff, int ldy, float[] bias, boolean relu, ComputePool pool);

    default void gemvSparseInput(int[] activeIdx, float[] activeVals, int count, float[] y, int yOff,
                                 float[] bias, boolean relu) {
        gemvSparseInput(SparseKernels.of(Backend.get()), activeIdx, activeVals, count, y, yOff, bias, relu);
    }

    default void spmmSparseInput(float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                                 float[] bias, boolean relu, ComputePool pool) {
        spmmSparseInput(SparseKernels.of(Backend.get()), xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, pool);
    }
}
