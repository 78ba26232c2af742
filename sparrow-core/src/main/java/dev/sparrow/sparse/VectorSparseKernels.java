package dev.sparrow.sparse;

import static dev.sparrow.sparse.VectorSupport.BITS;
import static dev.sparrow.sparse.VectorSupport.FAST_SCATTER;

/**
 * The sparse kernels on the incubating Vector API: this class only picks, per format, the Vector API kernel
 * or the scalar one where the vector one would not help (32-bit indices, scatters on 256-bit machines). The
 * kernels are two families, as XNNPACK splits its f32 gemv from its spmm: {@link VectorGemvKernels} (batch
 * 1) and {@link VectorSpmmKernels} (batches); {@link VectorSupport} holds the width and shared helpers.
 * Loaded only by {@link dev.sparrow.kernel.Backend} (through {@link SparseKernels#of}) once the module is
 * known to exist.
 */
final class VectorSparseKernels implements SparseKernels {
    private static final ScalarSparseKernels SCALAR = ScalarSparseKernels.INSTANCE;

    private VectorSparseKernels() {}

    /** Called reflectively by the backend; null where vectors are narrower than 256 bits. */
    static SparseKernels createIfUseful() {
        return BITS >= 256 ? new VectorSparseKernels() : null;
    }

    @Override public String name() { return "vector-" + BITS; }

    // ---- CSR ----

    @Override
    public void csrGemv(Csr w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, int rowFrom, int rowTo) {
        if (w.col16 == null) SCALAR.csrGemv(w, x, xOff, y, yOff, bias, relu, rowFrom, rowTo);
        else VectorGemvKernels.csrGemv(w, x, xOff, y, yOff, bias, relu, rowFrom, rowTo);
    }

    @Override
    public void csrSpmm(Csr w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                        float[] bias, boolean relu, int rowFrom, int rowTo) {
        if (w.col16 == null) SCALAR.csrSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
        else VectorSpmmKernels.csrSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- condensed constant fan-in ----

    @Override
    public void condensedGemv(CondensedFanIn w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                              int groupFrom, int groupTo) {
        VectorGemvKernels.condensedGemv(w, x, xOff, y, yOff, bias, relu, groupFrom, groupTo);
    }

    @Override
    public void condensedSpmm(CondensedFanIn w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                              float[] bias, boolean relu, int rowFrom, int rowTo) {
        VectorSpmmKernels.condensedSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- blocks r x 1 ----

    @Override
    public void blockGemv(BlockSparse w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                          int blockRowFrom, int blockRowTo) {
        if (w.col16 == null) SCALAR.blockGemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
        else VectorGemvKernels.blockGemv(w, x, xOff, y, yOff, bias, relu, blockRowFrom, blockRowTo);
    }

    @Override
    public void blockSpmm(BlockSparse w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                          float[] bias, boolean relu, int blockRowFrom, int blockRowTo) {
        if (w.col16 == null) {
            SCALAR.blockSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, blockRowFrom, blockRowTo);
        } else {
            VectorSpmmKernels.blockSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, blockRowFrom, blockRowTo);
        }
    }

    // ---- N:M and bank-balanced ----

    @Override
    public void packedGemv(PackedGroups w, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu,
                           int groupFrom, int groupTo) {
        VectorGemvKernels.packedGemv(w, x, xOff, y, yOff, bias, relu, groupFrom, groupTo);
    }

    @Override
    public void packedSpmm(PackedGroups w, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                           float[] bias, boolean relu, int rowFrom, int rowTo) {
        VectorSpmmKernels.packedSpmm(w, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu, rowFrom, rowTo);
    }

    // ---- CSC (input-major scatter) ----

    @Override
    public void cscScatterDense(Csc w, float[] x, int xOff, float[] y, int yOff) {
        if (w.row16 == null) SCALAR.cscScatterDense(w, x, xOff, y, yOff);
        else VectorGemvKernels.cscScatterDense(w, x, xOff, y, yOff);
    }

    @Override
    public void cscScatterSparse(Csc w, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        if (w.row16 == null) SCALAR.cscScatterSparse(w, activeIdx, activeVals, count, y, yOff);
        else VectorGemvKernels.cscScatterSparse(w, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    public void cscSpmm(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int batchFrom, int batchTo) {
        VectorSpmmKernels.cscSpmm(w, xt, xtOff, ldx, yt, ytOff, ldy, batchFrom, batchTo);
    }

    /** Scalar on 256-bit machines (no scatter instruction) and where a sample's output index overflows an int. */
    @Override
    public void cscSpmmSparseInput(Csc w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                   int sampleFrom, int sampleTo) {
        if (!FAST_SCATTER || w.row16 == null || (long) w.rows * ldy + ytOff + ldy > Integer.MAX_VALUE) {
            SCALAR.cscSpmmSparseInput(w, xt, xtOff, ldx, yt, ytOff, ldy, sampleFrom, sampleTo);
        } else {
            VectorSpmmKernels.cscSpmmSparseInput(w, xt, xtOff, ldx, yt, ytOff, ldy, sampleFrom, sampleTo);
        }
    }

    // ---- complementary (input-major, one weight per group and input) ----

    @Override
    public void complementaryScatterDense(ComplementaryPacked w, float[] x, int xOff, float[] y, int yOff) {
        if (!FAST_SCATTER) SCALAR.complementaryScatterDense(w, x, xOff, y, yOff);
        else VectorGemvKernels.complementaryScatterDense(w, x, xOff, y, yOff);
    }

    @Override
    public void complementaryScatterSparse(ComplementaryPacked w, int[] activeIdx, float[] activeVals, int count,
                                           float[] y, int yOff) {
        VectorGemvKernels.complementaryScatterSparse(w, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    public void complementarySpmm(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                  int batchFrom, int batchTo) {
        VectorSpmmKernels.complementarySpmm(w, xt, xtOff, ldx, yt, ytOff, ldy, batchFrom, batchTo);
    }

    @Override
    public void complementarySpmmSparseInput(ComplementaryPacked w, float[] xt, int xtOff, int ldx, float[] yt, int ytOff,
                                             int ldy, int sampleFrom, int sampleTo) {
        SCALAR.complementarySpmmSparseInput(w, xt, xtOff, ldx, yt, ytOff, ldy, sampleFrom, sampleTo);
    }

    // ---- direct convolution over zero-padded planes ----

    @Override
    public void shiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                 int ldAcc, int rowFrom, int rowTo) {
        int wide = positions / VectorConvKernels.WIDE * VectorConvKernels.WIDE;
        VectorConvKernels.shiftedPlaneConv(w, in, inOff, wide, acc, accOff, ldAcc, rowFrom, rowTo);
        if (wide < positions) {
            VectorConvKernels.shiftedPlaneConvTail(w, in, inOff + wide, positions - wide, acc, accOff + wide, ldAcc, rowFrom, rowTo);
        }
    }

    @Override
    public void denseShiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                      int ldAcc, int blockFrom, int blockTo) {
        int wide = positions / VectorConvKernels.DENSE_WIDE * VectorConvKernels.DENSE_WIDE;
        VectorConvKernels.denseShiftedPlaneConv(w, in, inOff, wide, acc, accOff, ldAcc, blockFrom, blockTo);
        if (wide < positions) {
            VectorConvKernels.denseShiftedPlaneConvTail(w, in, inOff + wide, positions - wide, acc, accOff + wide, ldAcc,
                    blockFrom, blockTo);
        }
    }

    @Override
    public void pixelTileConv(PixelTileConv w, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                              int blockFrom, int blockTo) {
        if (w.vectors == 3) VectorConvKernels.pixelTileConv3(w, in, inOff, count, acc, accOff, ldAcc, blockFrom, blockTo);
        else VectorConvKernels.pixelTileConv(w, in, inOff, count, acc, accOff, ldAcc, blockFrom, blockTo);
    }
}
