package dev.sparrow.sparse;

import dev.sparrow.kernel.ComputePool;
import dev.sparrow.kernel.KernelCall;

/**
 * Compressed sparse rows: the general fallback, any mask. Column indices are 16-bit (unsigned, as
 * {@code char}) when cols &lt;= 65536, else 32-bit. Threads split the rows by nonzero count.
 * Bytes per nonzero: 6 (16-bit) or 8, plus 4 per row.
 */
public final class Csr implements PackedWeights {
    final String layerName;
    final int rows;
    final int cols;
    final int[] rowPtr;   // (rows + 1,) start of each row in values
    final float[] values; // (nnz,)
    final char[] col16;   // (nnz,) column indices when cols <= 65536, else null
    final int[] col32;    // (nnz,) column indices when cols > 65536, else null

    private Csr(String layerName, int rows, int cols, int[] rowPtr, float[] values, char[] col16, int[] col32) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.rowPtr = rowPtr;
        this.values = values;
        this.col16 = col16;
        this.col32 = col32;
    }

    /**
     * A CSR matrix over the caller's arrays, not copied: the sparse training engine updates {@code values}
     * in place between calls (16-bit columns only, so cols &lt;= 65536).
     */
    public static Csr sharing(String layerName, int rows, int cols, int[] rowPtr, float[] values, char[] col16) {
        if (cols > 65536) throw new IllegalArgumentException("Csr.sharing: 16-bit columns need cols <= 65536, got " + cols);
        if (rowPtr.length != rows + 1 || rowPtr[rows] != values.length || col16.length != values.length) {
            throw new IllegalArgumentException("Csr.sharing: rowPtr, values and columns do not agree");
        }
        return new Csr(layerName, rows, cols, rowPtr, values, col16, null);
    }

    public static Csr from(MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        int[] rowPtr = new int[rows + 1];
        for (int r = 0; r < rows; r++) rowPtr[r + 1] = rowPtr[r] + w.rowCount(r);
        int nnz = rowPtr[rows];
        float[] values = new float[nnz];
        boolean narrow = cols <= 65536;
        char[] c16 = narrow ? new char[nnz] : null;
        int[] c32 = narrow ? null : new int[nnz];
        int p = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                values[p] = w.value(r, c);
                if (narrow) c16[p] = (char) c; else c32[p] = c;
                p++;
            }
        }
        return new Csr(w.layerName(), rows, cols, rowPtr, values, c16, c32);
    }

    int col(int p) {
        return col16 != null ? col16[p] : col32[p];
    }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return col16 != null ? "csr16" : "csr32"; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return values.length; }

    @Override
    public long bytes() {
        return 4L * rowPtr.length + 4L * values.length + (col16 != null ? 2L * col16.length : 4L * col32.length);
    }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int p = rowPtr[r]; p < rowPtr[r + 1]; p++) d[r * cols + col(p)] = values[p];
        }
        return d;
    }

    @Override
    public void gemv(SparseKernels k, float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu, ComputePool pool) {
        Checks.gemv(this, k, x, xOff, y, yOff, bias, pool);
        KernelCall.of(this, k).gemv(x, xOff, y, yOff, bias, relu).byNonzeros(pool, rowPtr, rows, (c, from, to) ->
                c.context.csrGemv(c.target, c.x, c.xOff, c.y, c.yOff, c.bias, c.relu, from, to));
    }

    @Override
    public void spmm(SparseKernels k, float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy,
                     float[] bias, boolean relu, ComputePool pool) {
        Checks.spmm(this, k, xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, pool);
        if (batch == 0) return;
        KernelCall.of(this, k).spmm(xt, xtOff, ldx, batch, yt, ytOff, ldy, bias, relu).slices(pool, rowPtr, rows,
                (c, r0, r1, c0, c1) -> c.context.csrSpmm(c.target, c.x, c.xOff + c0, c.ldx,
                        c1 - c0, c.y, c.yOff + c0, c.ldy, c.bias, c.relu, r0, r1));
    }
}
