package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * The layout shared by {@link NmPacked} and {@link BankBalanced}: each row is cut into groups of
 * {@code groupWidth} consecutive columns and every group holds {@code slots} (value, 8-bit offset in
 * the group) pairs; a group with fewer active weights is padded with zero values. Rows are interleaved
 * in groups of 16 as in {@link CondensedFanIn}: slot j of row group g is at [g][j][0..16), where slot
 * j belongs to column group j / slots. A kernel loads a column group's inputs once (one vector when
 * the group is at most 16 wide) and picks each lane's input with an in-register permute.
 */
public abstract sealed class PackedGroups implements PackedWeights permits NmPacked, BankBalanced {
    static final int LANES = 16;

    final String layerName;
    final int rows;
    final int cols;
    final int groupWidth;   // M: columns per group (<= 256)
    final int slots;        // N: stored entries per group
    final int groupsPerRow; // ceil(cols / M)
    final int slotsPerRow;  // groupsPerRow * N
    final int rowGroups;    // ceil(rows / 16)
    final long nnz;
    final float[] values;   // (rowGroups, slotsPerRow, 16)
    final byte[] offsets;   // (rowGroups, slotsPerRow, 16) column within the group, unsigned

    PackedGroups(MaskedWeights w, int groupWidth, int slots) {
        this.layerName = w.layerName();
        this.rows = w.rows();
        this.cols = w.cols();
        this.groupWidth = groupWidth;
        this.slots = slots;
        this.groupsPerRow = (cols + groupWidth - 1) / groupWidth;
        this.slotsPerRow = groupsPerRow * slots;
        this.rowGroups = (rows + LANES - 1) / LANES;
        this.values = new float[rowGroups * slotsPerRow * LANES];
        this.offsets = new byte[values.length];
        long count = 0;
        for (int r = 0; r < rows; r++) {
            int rg = r / LANES, lane = r % LANES;
            for (int g = 0; g < groupsPerRow; g++) {
                int c0 = g * groupWidth, c1 = Math.min(cols, c0 + groupWidth), s = 0;
                for (int c = c0; c < c1; c++) {
                    if (!w.isActive(r, c)) continue;
                    int pos = (rg * slotsPerRow + g * slots + s) * LANES + lane;
                    values[pos] = w.value(r, c);
                    offsets[pos] = (byte) (c - c0);
                    s++;
                    count++;
                }
            }
        }
        this.nnz = count;
    }

    /** Active weights in group g of row r. */
    static int groupCount(MaskedWeights w, int r, int g, int groupWidth) {
        int c0 = g * groupWidth, c1 = Math.min(w.cols(), c0 + groupWidth), n = 0;
        for (int c = c0; c < c1; c++) if (w.isActive(r, c)) n++;
        return n;
    }

    public int groupWidth() { return groupWidth; }

    public int slotsPerGroup() { return slots; }

    @Override public String layerName() { return layerName; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return nnz; }
    @Override public long bytes() { return 5L * values.length; }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            int rg = r / LANES, lane = r % LANES;
            for (int j = 0; j < slotsPerRow; j++) {
                int pos = (rg * slotsPerRow + j) * LANES + lane;
                // Padding (value 0, offset 0) may share a column with a real entry; skip it.
                if (values[pos] != 0f) d[r * cols + (j / slots) * groupWidth + (offsets[pos] & 0xFF)] = values[pos];
            }
        }
        return d;
    }

    @Override
    public void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
        Checks.gemv(this, k, x, xOff, y, yOff, bias, pool);
        KernelCall.of(this, k).gemv(x, xOff, y, yOff, bias, relu).evenly(pool, rowGroups, 1, (c, from, to) ->
                c.context.packedGemv(c.target, c.x, c.xOff, c.y, c.yOff, c.bias, c.relu, from, to));
    }

    @Override
    public void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                     float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        if (batch == 0) return;
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).slices(pool, null, rows,
                (c, r0, r1, c0, c1) -> c.context.packedSpmm(c.target, c.x, c.xOff + c0, c.ldx,
                        c1 - c0, c.y, c.yOff + c0, c.ldy, c.bias, c.relu, r0, r1));
    }
}
