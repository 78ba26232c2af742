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

    private ShiftedPlaneConv(String layerName, int rows, int[] rowPtr, float[] values, int[] offsets, int maxOffset) {
        this.layerName = layerName;
        this.rows = rows;
        this.rowPtr = rowPtr;
        this.values = values;
        this.offsets = offsets;
        this.maxOffset = maxOffset;
    }

    /**
     * The nonzeros of {@code weights} [rows][channels·kh·kw] (im2col's order: k = (c·kh + ky)·kw + kx) as taps
     * over planes of {@code channelStride} floats with rows {@code rowStride} apart. A row may be narrower than the
     * kernel: a tap then reads into the next row, which the caller's layout keeps zero where that matters.
     */
    public static ShiftedPlaneConv of(String layerName, float[] weights, int rows, int channels, int kh, int kw,
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
        return new ShiftedPlaneConv(layerName, rows, rowPtr, values, offsets, max);
    }

    public String layerName() { return layerName; }

    public int rows() { return rows; }

    public long nnz() { return values.length; }

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
        KernelCall.of(this, k).spmm(in, inOff, 0, positions, acc, accOff, ldAcc, null, false).byNonzeros(pool, rowPtr, rows,
                (c, from, to) -> c.context.shiftedPlaneConv(c.target, c.x, c.xOff, c.batch, c.y, c.yOff, c.ldy, from, to));
    }

    private IllegalArgumentException bad(String what) {
        return new IllegalArgumentException("layer '" + layerName + "' (shifted-plane conv): " + what);
    }
}
