package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * Blocks of r x 1 (r = 4 or 16) along the output dimension: block row b covers rows [r*b, r*b + r) and
 * each of its blocks is one column holding r contiguous values. At batch 1 a block is one vector load
 * of r weights times one broadcast input; at larger batches each loaded input row feeds r outputs.
 * The mask must be all-or-nothing within every block (the last block row may be partial: its missing
 * rows are padded with zeros). Column indices are 16-bit when cols &lt;= 65536.
 * Bytes per nonzero: 4 + 2/r (4.5 for 4x1, 4.125 for 16x1), plus 4 per block row.
 */
public final class BlockSparse implements PackedWeights {
    final String layerName;
    final int rows;
    final int cols;
    final int blockHeight;   // r
    final int blockRows;     // ceil(rows / r)
    final long nnz;
    final int[] blockRowPtr; // (blockRows + 1,) first block of each block row
    final char[] col16;      // (blocks,) column of each block when cols <= 65536, else null
    final int[] col32;       // (blocks,) when cols > 65536, else null
    final float[] values;    // (blocks, r)

    private BlockSparse(String layerName, int rows, int cols, int r, long nnz, int[] blockRowPtr, char[] col16,
                        int[] col32, float[] values) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.blockHeight = r;
        this.blockRows = (rows + r - 1) / r;
        this.nnz = nnz;
        this.blockRowPtr = blockRowPtr;
        this.col16 = col16;
        this.col32 = col32;
        this.values = values;
    }

    /** Blocks of blockHeight x 1, blockHeight 4 or 16. */
    public static BlockSparse from(MaskedWeights w, int blockHeight) {
        if (blockHeight != 4 && blockHeight != 16) {
            throw new IllegalArgumentException("layer '" + w.layerName() + "': block height must be 4 or 16, got " + blockHeight);
        }
        String misfit = misfit(w, blockHeight);
        if (misfit != null) throw w.unsupported(format(blockHeight), misfit);
        int rows = w.rows(), cols = w.cols(), r = blockHeight;
        int blockRows = (rows + r - 1) / r;
        int[] ptr = new int[blockRows + 1];
        for (int br = 0; br < blockRows; br++) {
            int blocks = 0;
            for (int c = 0; c < cols; c++) if (w.isActive(br * r, c)) blocks++;
            ptr[br + 1] = ptr[br] + blocks;
        }
        int blocks = ptr[blockRows];
        boolean narrow = cols <= 65536;
        char[] c16 = narrow ? new char[blocks] : null;
        int[] c32 = narrow ? null : new int[blocks];
        float[] values = new float[blocks * r];
        long nnz = 0;
        int b = 0;
        for (int br = 0; br < blockRows; br++) {
            int r0 = br * r, r1 = Math.min(rows, r0 + r);
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r0, c)) continue;
                if (narrow) c16[b] = (char) c; else c32[b] = c;
                for (int i = r0; i < r1; i++) values[b * r + (i - r0)] = w.value(i, c);
                nnz += r1 - r0;
                b++;
            }
        }
        return new BlockSparse(w.layerName(), rows, cols, r, nnz, ptr, c16, c32, values);
    }

    /** Why {@code w}'s mask is not made of blockHeight x 1 blocks, or null when it is. */
    static String misfit(MaskedWeights w, int blockHeight) {
        int rows = w.rows(), r = blockHeight;
        for (int r0 = 0; r0 < rows; r0 += r) {
            int r1 = Math.min(rows, r0 + r);
            for (int c = 0; c < w.cols(); c++) {
                int active = 0;
                for (int i = r0; i < r1; i++) if (w.isActive(i, c)) active++;
                if (active != 0 && active != r1 - r0) {
                    return "rows " + r0 + ".." + (r1 - 1) + " of column " + c + " have " + active
                            + " of " + (r1 - r0) + " weights active (a block must be all active or all pruned)";
                }
            }
        }
        return null;
    }

    private static String format(int r) {
        return "block" + r + "x1";
    }

    int col(int block) {
        return col16 != null ? col16[block] : col32[block];
    }

    public int blockHeight() { return blockHeight; }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return format(blockHeight); }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return nnz; }

    @Override
    public long bytes() {
        return 4L * blockRowPtr.length + 4L * values.length + (col16 != null ? 2L * col16.length : 4L * col32.length);
    }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int br = 0; br < blockRows; br++) {
            int r0 = br * blockHeight, r1 = Math.min(rows, r0 + blockHeight);
            for (int b = blockRowPtr[br]; b < blockRowPtr[br + 1]; b++) {
                int c = col(b);
                for (int i = r0; i < r1; i++) d[i * cols + c] = values[b * blockHeight + (i - r0)];
            }
        }
        return d;
    }

    @Override
    public void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
        Checks.gemv(this, k, x, xOff, y, yOff, bias, pool);
        KernelCall.of(this, k).gemv(x, xOff, y, yOff, bias, relu).byNonzeros(pool, blockRowPtr, blockRows, (c, from, to) ->
                c.context.blockGemv(c.target, c.x, c.xOff, c.y, c.yOff, c.bias, c.relu, from, to));
    }

    @Override
    public void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                     float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        if (batch == 0) return;
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).slices(pool, blockRowPtr, blockRows,
                (c, r0, r1, c0, c1) -> c.context.blockSpmm(c.target, c.x, c.xOff + c0, c.ldx,
                        c1 - c0, c.y, c.yOff + c0, c.ldy, c.bias, c.relu, r0, r1));
    }
}
