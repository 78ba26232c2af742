package dev.sparrow.sparse;

import dev.sparrow.kernel.Backend;

import java.lang.invoke.MethodHandles;

/**
 * One backend's sparse kernels ({@link ScalarSparseKernels}, the reference, or the Vector API one, which
 * {@link Backend} loads from this package only on the vector backend: see {@link #of}).
 * Each method works on a range of its format's work units so that the format can split the work over
 * threads; argument checks are done by the formats before these are called.
 *
 * <p>Row kernels ({@code ...Gemv}, {@code ...Spmm} of the row-major formats) overwrite their output
 * rows with act(W x + b). Scatter kernels (the input-major {@link Csc} and {@link ComplementaryPacked})
 * add W x into outputs the caller has set to the bias; the caller applies ReLU afterwards.
 */
public interface SparseKernels {

    /** The sparse kernels of a backend, e.g. {@code SparseKernels.of(Backend.get())}. */
    static SparseKernels of(Backend backend) {
        return backend.kernels(SparseKernels.class, ScalarSparseKernels.INSTANCE, MethodHandles.lookup(),
                "VectorSparseKernels");
    }

    /** Short name for logs and benchmark tables, e.g. "scalar" or "vector-512". */
    String name();

    void csrGemv(Csr w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, int rowFrom, int rowTo);

    void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                 float[] bias, boolean relu, int rowFrom, int rowTo);

    /** Row groups of 16 [groupFrom, groupTo). */
    void condensedGemv(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                       int groupFrom, int groupTo);

    void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                       float[] bias, boolean relu, int rowFrom, int rowTo);

    /** Block rows [blockRowFrom, blockRowTo). */
    void blockGemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                   int blockRowFrom, int blockRowTo);

    void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                   float[] bias, boolean relu, int blockRowFrom, int blockRowTo);

    /** Row groups of 16 [groupFrom, groupTo) of an N:M or bank-balanced matrix. */
    void packedGemv(PackedGroups w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                    int groupFrom, int groupTo);

    void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                    float[] bias, boolean relu, int rowFrom, int rowTo);

    /** y += W x over the columns c with x[xOff + c] != 0. */
    void cscScatterDense(Csc w, float[] x, int xOff, float[] y, int yOff);

    /** y += W x with x given by its nonzeros. */
    void cscScatterSparse(Csc w, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff);

    /** Y^T[:, batchFrom..batchTo) += W X for the batch columns in range. */
    void cscSpmm(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int batchFrom, int batchTo);

    /** Like {@link #cscSpmm} but per sample, visiting only that sample's nonzero inputs. */
    void cscSpmmSparseInput(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                            int sampleFrom, int sampleTo);

    void complementaryScatterDense(ComplementaryPacked w, float[] x, int xOff, float[] y, int yOff);

    void complementaryScatterSparse(ComplementaryPacked w, int[] activeIdx, float[] activeVals, int count,
                                    float[] y, int yOff);

    void complementarySpmm(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                           int batchFrom, int batchTo);

    void complementarySpmmSparseInput(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff,
                                      int ldy, int sampleFrom, int sampleTo);

    /**
     * acc[accOff + r·ldAcc + q] = sum over output channel r's taps of w · in[inOff + offset + q], q in [0, positions)
     * (a multiple of {@link ShiftedPlaneConv#POSITION_MULTIPLE}), for channels [rowFrom, rowTo): the direct
     * convolution over zero-padded planes.
     */
    void shiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff, int ldAcc,
                          int rowFrom, int rowTo);

    /**
     * The same product for the dense form ({@link ShiftedPlaneConv#ofDense}), for the output channels of row blocks
     * [blockFrom, blockTo) ({@link ShiftedPlaneConv#DENSE_ROWS} channels each; the last may be short).
     */
    void denseShiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                               int ldAcc, int blockFrom, int blockTo);

    /**
     * The pixel-tiled dense convolution ({@link PixelTileConv}): pixels [0, count) of its pixel list, the output
     * channels of blocks [blockFrom, blockTo) ({@link PixelTileConv#block()} each), pixel-major into acc.
     */
    void pixelTileConv(PixelTileConv w, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                       int blockFrom, int blockTo);
}
