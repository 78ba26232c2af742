package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * The input-major formats (CSC, complementary packed): each input's column is scattered into the
 * outputs. The argument checks, bias initialisation, ReLU and the split of a batch over the pool are
 * the same for all of them; a format supplies only its four scatter kernels.
 */
abstract class ColumnScatterMatrix implements SparseInputMatrix {
    /** Samples per task when a batch is split over the pool. */
    private static final int BATCH_GRAIN = 16;

    /** y += W x for a dense x; the input-major layout lets a format skip the zero entries of x. */
    abstract void scatterDense(SparseKernels k, float[] x, int xOff, float[] y, int yOff);

    /** y += W x for x given by its nonzero entries. */
    abstract void scatterSparse(SparseKernels k, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff);

    /** Y[:, from..to) += W X[:, from..to). */
    abstract void spmmColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                              int from, int to);

    /** As {@link #spmmColumns}, each sample visiting only its own nonzero inputs. */
    abstract void spmmSparseInputColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff,
                                         int ldy, int from, int to);

    @Override
    public final void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                           ComputePool pool) {
        Checks.gemv(this, k, x, xOff, y, yOff, bias, pool);
        Checks.initBias(y, yOff, bias, rows());
        scatterDense(k, x, xOff, y, yOff);
        if (relu) Checks.relu(y, yOff, rows());
    }

    @Override
    public final void gemvSparseInput(SparseKernels k, int[] activeIdx, float[] activeVals, int count, float[] y,
                                      int yOff, float[] bias, boolean relu) {
        Checks.sparseInput(this, k, activeIdx, activeVals, count, y, yOff, bias);
        Checks.initBias(y, yOff, bias, rows());
        scatterSparse(k, activeIdx, activeVals, count, y, yOff);
        if (relu) Checks.relu(y, yOff, rows());
    }

    @Override
    public final void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).evenly(pool, batch, BATCH_GRAIN,
                (c, from, to) -> {
                    ColumnScatterMatrix w = c.target;
                    Checks.initBiasColumns(c.y, c.yOff, c.ldy, w.rows(), from, to, c.bias);
                    w.spmmColumns(c.context, c.x, c.xOff, c.ldx, c.y, c.yOff, c.ldy, from, to);
                    if (c.relu) Checks.reluColumns(c.y, c.yOff, c.ldy, w.rows(), from, to);
                });
    }

    @Override
    public final void spmmSparseInput(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt,
                                      int ytOff, int ldy, float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).evenly(pool, batch, BATCH_GRAIN,
                (c, from, to) -> {
                    ColumnScatterMatrix w = c.target;
                    Checks.initBiasColumns(c.y, c.yOff, c.ldy, w.rows(), from, to, c.bias);
                    w.spmmSparseInputColumns(c.context, c.x, c.xOff, c.ldx, c.y, c.yOff, c.ldy, from, to);
                    if (c.relu) Checks.reluColumns(c.y, c.yOff, c.ldy, w.rows(), from, to);
                });
    }
}
