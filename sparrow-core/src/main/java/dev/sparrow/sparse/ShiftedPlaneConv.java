package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * A sparse stride-1 convolution's weights for the direct convolution, which reads the image in place instead of
 * unfolding it (im2col writes kh·kw copies of every input value and the sparse product reads them back).
 *
 * <p>The input is held as zero-padded planes, {@code channelStride} floats per channel and {@code rowStride}
 * (the padded width) per image row. Output position q (the same padded row-major order) of output channel r is
 * then {@code acc[r][q] = sum over the nonzero taps (c, ky, kx) of w · in[c·channelStride + ky·rowStride + kx + q]}:
 * each nonzero weight adds a shifted contiguous run of the input to the output row, so the product is CSR with
 * an input offset in place of a column index, and runs of q vectorise with no gather. Positions whose column
 * lies in the padding are computed too and thrown away by the caller (the price of contiguous runs: (W + 2p) / W
 * more work, 1.06x at 32 wide, 1.5x at 4 wide).
 */
public final class ShiftedPlaneConv {
    /** Positions per call must be a multiple of this (one 512-bit vector), so kernels need no masked tail. */
    public static final int POSITION_MULTIPLE = 16;

    final String layerName;
    final int rows;
    final int[] rowPtr;   // (rows + 1,) start of each output channel's taps
    final float[] values; // (nnz,) the nonzero weights
    final int[] offsets;  // (nnz,) c·channelStride + ky·rowStride + kx of each
    private final int maxOffset;
    /**
     * The dense form ({@link #ofDense}), else null: every weight kept, packed [row block][tap][{@link #DENSE_ROWS}]
     * (rows past the last zero), so the kernel reads one block's weights for a tap as consecutive floats and
     * {@link #offsets} holds each tap's offset once instead of once per row. Then rowPtr and values are null.
     */
    final float[] packed;
    /** Taps per row of the dense form (channels·kh·kw); 0 for the sparse form. */
    final int taps;

    /** Output channels per register block of the dense kernel (4 rows x 3 vectors of positions, 12 accumulators). */
    public static final int DENSE_ROWS = 4;

    private ShiftedPlaneConv(String layerName, int rows, int[] rowPtr, float[] values, int[] offsets, int maxOffset,
                             float[] packed, int taps) {
        this.layerName = layerName;
        this.rows = rows;
        this.rowPtr = rowPtr;
        this.values = values;
        this.offsets = offsets;
        this.maxOffset = maxOffset;
        this.packed = packed;
        this.taps = taps;
    }

    /**
     * As {@link #of}, keeping every weight (zeros too) for a dense layer: the kernel then blocks
     * {@link #DENSE_ROWS} output channels against each run of positions, so one load of the shifted input feeds
     * 4 FMAs instead of 1 (the sparse form's CSR walk is a broadcast, a load and an FMA per weight).
     */
    public static ShiftedPlaneConv ofDense(String layerName, float[] weights, int rows, int channels, int kh, int kw,
                                           int channelStride, int rowStride) {
        check(layerName, weights, rows, channels, kh, kw, channelStride, rowStride);
        int taps = channels * kh * kw;
        int blocks = (rows + DENSE_ROWS - 1) / DENSE_ROWS;
        float[] packed = new float[Math.multiplyExact(Math.multiplyExact(blocks, taps), DENSE_ROWS)];
        int[] offsets = new int[taps];
        int max = 0;
        for (int k = 0; k < taps; k++) {
            offsets[k] = k / (kh * kw) * channelStride + k / kw % kh * rowStride + k % kw;
            max = Math.max(max, offsets[k]);
        }
        for (int r = 0; r < rows; r++) {
            int base = r / DENSE_ROWS * taps * DENSE_ROWS + r % DENSE_ROWS;
            for (int k = 0; k < taps; k++) packed[base + k * DENSE_ROWS] = weights[r * taps + k];
        }
        return new ShiftedPlaneConv(layerName, rows, null, null, offsets, max, packed, taps);
    }

    /**
     * The nonzeros of {@code weights} [rows][channels·kh·kw] (im2col's order: k = (c·kh + ky)·kw + kx) as taps
     * over planes of {@code channelStride} floats with rows {@code rowStride} apart. A row may be narrower than the
     * kernel: a tap then reads into the next row, which the caller's layout keeps zero where that matters.
     */
    public static ShiftedPlaneConv of(String layerName, float[] weights, int rows, int channels, int kh, int kw,
                                      int channelStride, int rowStride) {
        check(layerName, weights, rows, channels, kh, kw, channelStride, rowStride);
        int cols = channels * kh * kw;
        int[] rowPtr = new int[rows + 1];
        for (int r = 0; r < rows; r++) {
            int n = 0;
            for (int k = 0; k < cols; k++) n += weights[r * cols + k] != 0f ? 1 : 0;
            rowPtr[r + 1] = rowPtr[r] + n;
        }
        float[] values = new float[rowPtr[rows]];
        int[] offsets = new int[rowPtr[rows]];
        int p = 0, max = 0;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                float v = weights[r * cols + k];
                if (v == 0f) continue;
                int c = k / (kh * kw), ky = k / kw % kh, kx = k % kw;
                values[p] = v;
                offsets[p] = c * channelStride + ky * rowStride + kx;
                max = Math.max(max, offsets[p]);
                p++;
            }
        }
        return new ShiftedPlaneConv(layerName, rows, rowPtr, values, offsets, max, null, 0);
    }

    private static void check(String layerName, float[] weights, int rows, int channels, int kh, int kw,
                              int channelStride, int rowStride) {
        if (rows < 0 || channels < 1 || kh < 1 || kw < 1 || rowStride < 1 || channelStride < 1) {
            throw new IllegalArgumentException("layer '" + layerName + "': bad shifted-plane geometry: rows " + rows
                    + ", channels " + channels + ", kernel " + kh + "x" + kw + ", channel stride " + channelStride
                    + ", row stride " + rowStride);
        }
        int cols = channels * kh * kw;
        if (weights == null || weights.length != (long) rows * cols) {
            throw new IllegalArgumentException("layer '" + layerName + "': weights must have " + (long) rows * cols
                    + " values, got " + (weights == null ? "null" : weights.length));
        }
        if ((long) channels * channelStride > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("layer '" + layerName + "': " + channels + " planes of " + channelStride
                    + " floats do not fit an array");
        }
    }


    public String layerName() { return layerName; }

    public int rows() { return rows; }

    /** Weights the kernel multiplies: the nonzeros, or every weight of the dense form. */
    public long nnz() { return packed != null ? (long) rows * taps : values.length; }

    /** Whether this is the dense form ({@link #ofDense}). */
    public boolean dense() { return packed != null; }

    /** The largest input offset of a tap: a call of n positions reads in[inOff .. inOff + maxOffset() + n). */
    public int maxOffset() { return maxOffset; }

    /**
     * acc[accOff + r·ldAcc + q] = sum over row r's taps of w · in[inOff + offset + q], for every output channel r
     * and q in [0, positions); positions a multiple of {@link #POSITION_MULTIPLE}. Threads split the channels by
     * nonzero count.
     */
    public void accumulate(SparseKernels k, float[] in, int inOff, int positions, float[] acc, int accOff, int ldAcc,
                           ComputePool pool) {
        if (k == null || pool == null) throw bad("kernels and pool must not be null");
        if (positions < 0 || positions % POSITION_MULTIPLE != 0) {
            throw bad("positions must be a non-negative multiple of " + POSITION_MULTIPLE + ", got " + positions);
        }
        if (positions == 0 || rows == 0) return;
        if (in == null || inOff < 0 || (long) inOff + maxOffset + positions > in.length) {
            throw bad("in needs " + ((long) maxOffset + positions) + " floats from offset " + inOff + " but has "
                    + (in == null ? "null" : in.length));
        }
        if (acc == null || ldAcc < positions || accOff < 0 || (long) accOff + (long) (rows - 1) * ldAcc + positions > acc.length) {
            throw bad("acc needs " + rows + " rows of " + positions + " (ld " + ldAcc + ") from offset " + accOff + " but has "
                    + (acc == null ? "null" : acc.length));
        }
        if (packed != null) {
            // blocks of DENSE_ROWS channels, split evenly: every block has the same work
            KernelCall.of(this, k).spmm(in, inOff, 0, positions, acc, accOff, ldAcc, null, false).evenly(pool,
                    (rows + DENSE_ROWS - 1) / DENSE_ROWS, 1, (c, from, to) -> c.context.denseShiftedPlaneConv(c.target,
                            c.x, c.xOff, c.batch, c.y, c.yOff, c.ldy, from, to));
            return;
        }
        KernelCall.of(this, k).spmm(in, inOff, 0, positions, acc, accOff, ldAcc, null, false).byNonzeros(pool, rowPtr, rows,
                (c, from, to) -> c.context.shiftedPlaneConv(c.target, c.x, c.xOff, c.batch, c.y, c.yOff, c.ldy, from, to));
    }

    private IllegalArgumentException bad(String what) {
        return new IllegalArgumentException("layer '" + layerName + "' (shifted-plane conv): " + what);
    }
}
