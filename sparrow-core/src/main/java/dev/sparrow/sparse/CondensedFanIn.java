package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * Condensed constant fan-in (SRigL's layout): every active row has the same number k of inputs, so
 * rows are stored as k (value, 16-bit column) pairs with no row pointers. Rows are interleaved in
 * groups of 16 (lane i = row 16g + i): slot j of group g holds values [g][j][0..16) and indices
 * [g][j][0..16), so 16 rows load their j-th values with one contiguous vector and gather their inputs.
 * Rows with no active weight (ablated neurons) are allowed and padded with zeros.
 * Bytes per nonzero: 6 (plus padding of ablated rows and of the last partial group).
 */
public final class CondensedFanIn implements PackedWeights {
    static final int LANES = 16;
    static final String FORMAT = "condensed-fanin";

    final String layerName;
    final int rows;
    final int cols;
    final int fanIn;      // k: active inputs of every non-empty row
    final int groups;     // ceil(rows / 16)
    final long nnz;
    final float[] values; // (groups, k, 16)
    final char[] index;   // (groups, k, 16) column of each value; padding points at column 0 with value 0

    private CondensedFanIn(String layerName, int rows, int cols, int fanIn, long nnz, float[] values, char[] index) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.fanIn = fanIn;
        this.groups = (rows + LANES - 1) / LANES;
        this.nnz = nnz;
        this.values = values;
        this.index = index;
    }

    /** Requires every row to have the same number of active weights, or none. */
    public static CondensedFanIn from(MaskedWeights w) {
        String misfit = misfit(w);
        if (misfit != null) throw w.unsupported(FORMAT, misfit);
        int rows = w.rows(), cols = w.cols();
        int k = 0;
        for (int r = 0; r < rows; r++) k = Math.max(k, w.rowCount(r));
        long nnz = w.activeCount();
        int groups = (rows + LANES - 1) / LANES;
        float[] values = new float[groups * k * LANES];
        char[] index = new char[values.length];
        for (int r = 0; r < rows; r++) {
            int g = r / LANES, lane = r % LANES, j = 0;
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                int pos = (g * k + j) * LANES + lane;
                values[pos] = w.value(r, c);
                index[pos] = (char) c;
                j++;
            }
        }
        return new CondensedFanIn(w.layerName(), rows, cols, k, nnz, values, index);
    }

    /** Why {@code w}'s mask cannot be stored in this format, or null when it can. */
    static String misfit(MaskedWeights w) {
        if (w.cols() > 65536) return "cols = " + w.cols() + " exceeds the 16-bit index range (65536)";
        int k = 0;
        for (int r = 0; r < w.rows(); r++) k = Math.max(k, w.rowCount(r));
        for (int r = 0; r < w.rows(); r++) {
            int n = w.rowCount(r);
            if (n != 0 && n != k) {
                return "row " + r + " has " + n + " active weights but other rows have " + k
                        + " (fan-in must be constant; empty rows are allowed)";
            }
        }
        return null;
    }

    /** Active inputs per non-empty row. */
    public int fanIn() { return fanIn; }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return FORMAT + "(k=" + fanIn + ")"; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return nnz; }
    @Override public long bytes() { return 6L * values.length; }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            int g = r / LANES, lane = r % LANES;
            for (int j = 0; j < fanIn; j++) {
                int pos = (g * fanIn + j) * LANES + lane;
                // Padding (value 0) may point at a column that a real entry of this row uses; skip it.
                if (values[pos] != 0f) d[r * cols + index[pos]] = values[pos];
            }
        }
        return d;
    }

    @Override
    public void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
        Checks.gemv(this, k, x, xOff, y, yOff, bias, pool);
        KernelCall.of(this, k).gemv(x, xOff, y, yOff, bias, relu).evenly(pool, groups, 1, (c, from, to) ->
                c.context.condensedGemv(c.target, c.x, c.xOff, c.y, c.yOff, c.bias, c.relu, from, to));
    }

    @Override
    public void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                     float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        if (batch == 0) return;
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).slices(pool, null, rows,
                (c, r0, r1, c0, c1) -> c.context.condensedSpmm(c.target, c.x, c.xOff + c0, c.ldx,
                        c1 - c0, c.y, c.yOff + c0, c.ldy, c.bias, c.relu, r0, r1));
    }
}
