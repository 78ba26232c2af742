package dev.sparrow.sparse;

import jdk.incubator.vector.FloatVector;

import static dev.sparrow.sparse.VectorSupport.F;
import static dev.sparrow.sparse.VectorSupport.L;

/**
 * The direct convolution of {@link ShiftedPlaneConv} on the Vector API: each nonzero weight is one broadcast
 * times contiguous (unaligned) runs of a zero-padded input plane, accumulated in registers over the channel's
 * whole tap list and stored once. No im2col buffer is written or read; what a run of positions reads is a few
 * padded rows of every input channel, which stay in L1/L2 while all output channels pass over them (positions
 * are the outer loop, channels the inner).
 */
final class VectorConvKernels {
    /** Positions per register tile: four vectors (4 loads and 4 FMAs per nonzero, as csrSpmm's wide tile). */
    static final int WIDE = 4 * L;

    private VectorConvKernels() {}

    /** Positions [0, positions), a multiple of {@link #WIDE}, of channels [rowFrom, rowTo). */
    static void shiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                 int ldAcc, int rowFrom, int rowTo) {
        int[] ptr = w.rowPtr;
        float[] vals = w.values;
        int[] offs = w.offsets;
        for (int q0 = 0; q0 < positions; q0 += WIDE) {
            int base = inOff + q0;
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    int xa = base + offs[p];
                    FloatVector v = FloatVector.broadcast(F, vals[p]);
                    a0 = FloatVector.fromArray(F, in, xa).fma(v, a0);
                    a1 = FloatVector.fromArray(F, in, xa + L).fma(v, a1);
                    a2 = FloatVector.fromArray(F, in, xa + 2 * L).fma(v, a2);
                    a3 = FloatVector.fromArray(F, in, xa + 3 * L).fma(v, a3);
                }
                int o = accOff + r * ldAcc + q0;
                a0.intoArray(acc, o);
                a1.intoArray(acc, o + L);
                a2.intoArray(acc, o + 2 * L);
                a3.intoArray(acc, o + 3 * L);
            }
        }
    }

    /**
     * Positions [0, positions), a multiple of L and fewer than {@link #WIDE}, one vector at a time: a method of its
     * own because one loop nest per kernel method keeps C2 within its inlining budget (docs/architecture.md).
     */
    static void shiftedPlaneConvTail(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                     int ldAcc, int rowFrom, int rowTo) {
        int[] ptr = w.rowPtr;
        float[] vals = w.values;
        int[] offs = w.offsets;
        for (int q0 = 0; q0 < positions; q0 += L) {
            int base = inOff + q0;
            for (int r = rowFrom; r < rowTo; r++) {
                FloatVector a0 = FloatVector.zero(F);
                for (int p = ptr[r], end = ptr[r + 1]; p < end; p++) {
                    a0 = FloatVector.fromArray(F, in, base + offs[p]).fma(FloatVector.broadcast(F, vals[p]), a0);
                }
                a0.intoArray(acc, accOff + r * ldAcc + q0);
            }
        }
    }

    /** Positions per register tile of the dense kernel: two vectors, times 4 channels = 8 accumulators. */
    static final int DENSE_WIDE = 2 * L;
    /**
     * Tiles per position chunk: a block's taps run over a chunk's tiles before the next block, so the chunk's
     * input window (channels x (chunk + the taps' reach)) stays in L2 across the blocks while one block's weights
     * (taps x 4 floats) stay in L1/L2 across the tiles. Measured flat between 2 and all tiles (1 thread, AVX2).
     */
    private static final int CHUNK_TILES = 8;

    /**
     * The dense form ({@link ShiftedPlaneConv#ofDense}): positions [0, positions), a multiple of {@link #DENSE_WIDE},
     * of row blocks [blockFrom, blockTo). Per tap: two unaligned loads of the shifted input, four broadcasts of the
     * block's weights, eight FMAs (the CSR walk does one load per FMA). 4 x 2 vectors as PackedGemm's tile: a
     * 4 x 3 tile (12 accumulators + 3 inputs + 1 broadcast = all 16 AVX2 registers) spilled in C2 and ran at
     * 34-35 GF/s against 50-68 GF/s for this one (side by side, 1 thread, 3x3 layers of 64-512 channels). 5 x 2
     * and 6 x 2 tiles (13 and 15 registers) measured 5-10% faster per row in the same run, before the waste of a
     * short last block (64 channels = 12.8 blocks of 5): not worth a second layout.
     */
    static void denseShiftedPlaneConv(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc, int accOff,
                                      int ldAcc, int blockFrom, int blockTo) {
        final int m = ShiftedPlaneConv.DENSE_ROWS;
        float[] wp = w.packed;
        int[] offs = w.offsets;
        int taps = w.taps, rows = w.rows;
        int chunk = CHUNK_TILES * DENSE_WIDE;
        for (int c0 = 0; c0 < positions; c0 += chunk) {
            int cEnd = Math.min(positions, c0 + chunk);
            for (int b = blockFrom; b < blockTo; b++) {
                int wb = b * taps * m;
                for (int q0 = c0; q0 < cEnd; q0 += DENSE_WIDE) {
                    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
                    FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
                    int base = inOff + q0;
                    for (int t = 0, wi = wb; t < taps; t++, wi += m) {
                        int xa = base + offs[t];
                        FloatVector x0 = FloatVector.fromArray(F, in, xa);
                        FloatVector x1 = FloatVector.fromArray(F, in, xa + L);
                        FloatVector v = FloatVector.broadcast(F, wp[wi]);
                        a00 = x0.fma(v, a00);
                        a01 = x1.fma(v, a01);
                        v = FloatVector.broadcast(F, wp[wi + 1]);
                        a10 = x0.fma(v, a10);
                        a11 = x1.fma(v, a11);
                        v = FloatVector.broadcast(F, wp[wi + 2]);
                        a20 = x0.fma(v, a20);
                        a21 = x1.fma(v, a21);
                        v = FloatVector.broadcast(F, wp[wi + 3]);
                        a30 = x0.fma(v, a30);
                        a31 = x1.fma(v, a31);
                    }
                    // the last block may be short: its padding rows of zeros are computed, not stored
                    int r = b * m, o = accOff + r * ldAcc + q0;
                    a00.intoArray(acc, o);
                    a01.intoArray(acc, o + L);
                    if (r + 1 < rows) {
                        a10.intoArray(acc, o + ldAcc);
                        a11.intoArray(acc, o + ldAcc + L);
                    }
                    if (r + 2 < rows) {
                        a20.intoArray(acc, o + 2 * ldAcc);
                        a21.intoArray(acc, o + 2 * ldAcc + L);
                    }
                    if (r + 3 < rows) {
                        a30.intoArray(acc, o + 3 * ldAcc);
                        a31.intoArray(acc, o + 3 * ldAcc + L);
                    }
                }
            }
        }
    }

    /** The dense form's tail: positions [0, positions), a multiple of L and fewer than {@link #DENSE_WIDE}. */
    static void denseShiftedPlaneConvTail(ShiftedPlaneConv w, float[] in, int inOff, int positions, float[] acc,
                                          int accOff, int ldAcc, int blockFrom, int blockTo) {
        final int m = ShiftedPlaneConv.DENSE_ROWS;
        float[] wp = w.packed;
        int[] offs = w.offsets;
        int taps = w.taps, rows = w.rows;
        for (int q0 = 0; q0 < positions; q0 += L) {
            int base = inOff + q0;
            for (int b = blockFrom; b < blockTo; b++) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int t = 0, wi = b * taps * m; t < taps; t++, wi += m) {
                    FloatVector x = FloatVector.fromArray(F, in, base + offs[t]);
                    a0 = x.fma(FloatVector.broadcast(F, wp[wi]), a0);
                    a1 = x.fma(FloatVector.broadcast(F, wp[wi + 1]), a1);
                    a2 = x.fma(FloatVector.broadcast(F, wp[wi + 2]), a2);
                    a3 = x.fma(FloatVector.broadcast(F, wp[wi + 3]), a3);
                }
                int r = b * m, o = accOff + r * ldAcc + q0;
                a0.intoArray(acc, o);
                if (r + 1 < rows) a1.intoArray(acc, o + ldAcc);
                if (r + 2 < rows) a2.intoArray(acc, o + 2 * ldAcc);
                if (r + 3 < rows) a3.intoArray(acc, o + 3 * ldAcc);
            }
        }
    }

    /**
     * Pixels per chunk of the pixel-tiled kernel: a block's taps run over a chunk's tiles before the next block, so the
     * chunk's input window stays in L1/L2 across the blocks while one block's weights (taps x 2 vectors) stay in L2
     * across the tiles.
     */
    private static final int PIXEL_CHUNK = 8 * PixelTileConv.PIXELS;

    /**
     * {@link PixelTileConv}: pixels [0, count) of blocks [blockFrom, blockTo). Per tap: the tap's offset, two aligned
     * loads of the block's weights, six broadcasts of the pixels' inputs, twelve FMAs. A short last tile repeats its
     * last pixel and stores only the real ones.
     */
    static void pixelTileConv(PixelTileConv w, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                              int blockFrom, int blockTo) {
        final int m = 2 * L;
        float[] wp = w.packed;
        int[] offs = w.offsets;
        int[] pix = w.pixels;
        int taps = w.taps, last = count - 1;
        for (int c0 = 0; c0 < count; c0 += PIXEL_CHUNK) {
            int cEnd = Math.min(count, c0 + PIXEL_CHUNK);
            for (int b = blockFrom; b < blockTo; b++) {
                int wb = b * taps * m;
                for (int i = c0; i < cEnd; i += PixelTileConv.PIXELS) {
                    int p0 = inOff + pix[i];
                    int p1 = inOff + pix[Math.min(i + 1, last)];
                    int p2 = inOff + pix[Math.min(i + 2, last)];
                    int p3 = inOff + pix[Math.min(i + 3, last)];
                    int p4 = inOff + pix[Math.min(i + 4, last)];
                    int p5 = inOff + pix[Math.min(i + 5, last)];
                    FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00;
                    FloatVector a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
                    for (int t = 0, wi = wb; t < taps; t++, wi += m) {
                        int o = offs[t];
                        FloatVector w0 = FloatVector.fromArray(F, wp, wi);
                        FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
                        FloatVector v = FloatVector.broadcast(F, in[p0 + o]);
                        a00 = w0.fma(v, a00);
                        a01 = w1.fma(v, a01);
                        v = FloatVector.broadcast(F, in[p1 + o]);
                        a10 = w0.fma(v, a10);
                        a11 = w1.fma(v, a11);
                        v = FloatVector.broadcast(F, in[p2 + o]);
                        a20 = w0.fma(v, a20);
                        a21 = w1.fma(v, a21);
                        v = FloatVector.broadcast(F, in[p3 + o]);
                        a30 = w0.fma(v, a30);
                        a31 = w1.fma(v, a31);
                        v = FloatVector.broadcast(F, in[p4 + o]);
                        a40 = w0.fma(v, a40);
                        a41 = w1.fma(v, a41);
                        v = FloatVector.broadcast(F, in[p5 + o]);
                        a50 = w0.fma(v, a50);
                        a51 = w1.fma(v, a51);
                    }
                    int o = accOff + i * ldAcc + b * m;
                    a00.intoArray(acc, o);
                    a01.intoArray(acc, o + L);
                    if (i + 1 < cEnd) {
                        a10.intoArray(acc, o + ldAcc);
                        a11.intoArray(acc, o + ldAcc + L);
                    }
                    if (i + 2 < cEnd) {
                        a20.intoArray(acc, o + 2 * ldAcc);
                        a21.intoArray(acc, o + 2 * ldAcc + L);
                    }
                    if (i + 3 < cEnd) {
                        a30.intoArray(acc, o + 3 * ldAcc);
                        a31.intoArray(acc, o + 3 * ldAcc + L);
                    }
                    if (i + 4 < cEnd) {
                        a40.intoArray(acc, o + 4 * ldAcc);
                        a41.intoArray(acc, o + 4 * ldAcc + L);
                    }
                    if (i + 5 < cEnd) {
                        a50.intoArray(acc, o + 5 * ldAcc);
                        a51.intoArray(acc, o + 5 * ldAcc + L);
                    }
                }
            }
        }
    }

    /** Pixels per chunk of the 3-vector kernel (a multiple of its 4-pixel tile). */
    private static final int PIXEL_CHUNK_3 = 12 * PixelTileConv.PIXELS_3;

    /**
     * The 3-vector form of {@link #pixelTileConv}: 3 vectors of output channels x 4 pixels, per tap three weight loads
     * and four broadcasts per 12 FMAs (2 + 6 for the 2-vector form), and a 4x4 image is four whole tiles.
     */
    static void pixelTileConv3(PixelTileConv w, float[] in, int inOff, int count, float[] acc, int accOff, int ldAcc,
                               int blockFrom, int blockTo) {
        final int m = 3 * L;
        float[] wp = w.packed;
        int[] offs = w.offsets;
        int[] pix = w.pixels;
        int taps = w.taps, last = count - 1;
        for (int c0 = 0; c0 < count; c0 += PIXEL_CHUNK_3) {
            int cEnd = Math.min(count, c0 + PIXEL_CHUNK_3);
            for (int b = blockFrom; b < blockTo; b++) {
                int wb = b * taps * m;
                for (int i = c0; i < cEnd; i += PixelTileConv.PIXELS_3) {
                    int p0 = inOff + pix[i];
                    int p1 = inOff + pix[Math.min(i + 1, last)];
                    int p2 = inOff + pix[Math.min(i + 2, last)];
                    int p3 = inOff + pix[Math.min(i + 3, last)];
                    FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
                    FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
                    for (int t = 0, wi = wb; t < taps; t++, wi += m) {
                        int o = offs[t];
                        FloatVector w0 = FloatVector.fromArray(F, wp, wi);
                        FloatVector w1 = FloatVector.fromArray(F, wp, wi + L);
                        FloatVector w2 = FloatVector.fromArray(F, wp, wi + 2 * L);
                        FloatVector v = FloatVector.broadcast(F, in[p0 + o]);
                        a00 = w0.fma(v, a00);
                        a01 = w1.fma(v, a01);
                        a02 = w2.fma(v, a02);
                        v = FloatVector.broadcast(F, in[p1 + o]);
                        a10 = w0.fma(v, a10);
                        a11 = w1.fma(v, a11);
                        a12 = w2.fma(v, a12);
                        v = FloatVector.broadcast(F, in[p2 + o]);
                        a20 = w0.fma(v, a20);
                        a21 = w1.fma(v, a21);
                        a22 = w2.fma(v, a22);
                        v = FloatVector.broadcast(F, in[p3 + o]);
                        a30 = w0.fma(v, a30);
                        a31 = w1.fma(v, a31);
                        a32 = w2.fma(v, a32);
                    }
                    int o = accOff + i * ldAcc + b * m;
                    a00.intoArray(acc, o);
                    a01.intoArray(acc, o + L);
                    a02.intoArray(acc, o + 2 * L);
                    if (i + 1 < cEnd) {
                        a10.intoArray(acc, o + ldAcc);
                        a11.intoArray(acc, o + ldAcc + L);
                        a12.intoArray(acc, o + ldAcc + 2 * L);
                    }
                    if (i + 2 < cEnd) {
                        a20.intoArray(acc, o + 2 * ldAcc);
                        a21.intoArray(acc, o + 2 * ldAcc + L);
                        a22.intoArray(acc, o + 2 * ldAcc + 2 * L);
                    }
                    if (i + 3 < cEnd) {
                        a30.intoArray(acc, o + 3 * ldAcc);
                        a31.intoArray(acc, o + 3 * ldAcc + L);
                        a32.intoArray(acc, o + 3 * ldAcc + 2 * L);
                    }
                }
            }
        }
    }
}
