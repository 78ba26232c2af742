package dev.sparrow.sparse;


/**
 * Compressed sparse columns (input-major): column c lists the outputs input c feeds. Made for sparse
 * inputs (k-WTA, ReLU): only the nonzero inputs are visited, each scatter-adding its column into the
 * output, which stays in L1. Row indices are 16-bit when rows &lt;= 65536.
 * Bytes per nonzero: 6 (16-bit) or 8, plus 4 per column.
 *
 * <p>Threads: batch-1 calls run on the calling thread (the output is too small to share); batched calls
 * split the batch, so every thread gets the same nonzeros.
 */
public final class Csc extends ColumnScatterMatrix {
    /** Batch columns per thread chunk: one 512-bit vector. */

    final String layerName;
    final int rows;
    final int cols;
    final int[] colPtr;   // (cols + 1,)
    final float[] values; // (nnz,)
    final char[] row16;   // (nnz,) row indices when rows <= 65536, else null
    final int[] row32;    // (nnz,) when rows > 65536, else null

    private Csc(String layerName, int rows, int cols, int[] colPtr, float[] values, char[] row16, int[] row32) {
        this.layerName = layerName;
        this.rows = rows;
        this.cols = cols;
        this.colPtr = colPtr;
        this.values = values;
        this.row16 = row16;
        this.row32 = row32;
    }

    public static Csc from(MaskedWeights w) {
        int rows = w.rows(), cols = w.cols();
        int[] colPtr = new int[cols + 1];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) if (w.isActive(r, c)) colPtr[c + 1]++;
        }
        for (int c = 0; c < cols; c++) colPtr[c + 1] += colPtr[c];
        int nnz = colPtr[cols];
        boolean narrow = rows <= 65536;
        float[] values = new float[nnz];
        char[] r16 = narrow ? new char[nnz] : null;
        int[] r32 = narrow ? null : new int[nnz];
        int[] next = java.util.Arrays.copyOf(colPtr, cols);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                if (!w.isActive(r, c)) continue;
                int p = next[c]++;
                values[p] = w.value(r, c);
                if (narrow) r16[p] = (char) r; else r32[p] = r;
            }
        }
        return new Csc(w.layerName(), rows, cols, colPtr, values, r16, r32);
    }

    int row(int p) {
        return row16 != null ? row16[p] : row32[p];
    }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return row16 != null ? "csc16" : "csc32"; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return values.length; }

    @Override
    public long bytes() {
        return 4L * colPtr.length + 4L * values.length + (row16 != null ? 2L * row16.length : 4L * row32.length);
    }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int c = 0; c < cols; c++) {
            for (int p = colPtr[c]; p < colPtr[c + 1]; p++) d[row(p) * cols + c] = values[p];
        }
        return d;
    }

    @Override
    void scatterDense(SparseKernels k, float[] x, int xOff, float[] y, int yOff) {
        k.cscScatterDense(this, x, xOff, y, yOff);
    }

    @Override
    void scatterSparse(SparseKernels k, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        k.cscScatterSparse(this, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    void spmmColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int from, int to) {
        k.cscSpmm(this, xt, xtOff, ldx, yt, ytOff, ldy, from, to);
    }

    @Override
    void spmmSparseInputColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                int from, int to) {
        k.cscSpmmSparseInput(this, xt, xtOff, ldx, yt, ytOff, ldy, from, to);
    }
}
