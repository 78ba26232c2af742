package dev.sparrow.nn.layers;

import dev.sparrow.kernel.Backend;
import dev.sparrow.kernel.ComputePool;
import dev.sparrow.nn.Parameter;
import dev.sparrow.sparse.Csr;
import dev.sparrow.sparse.SparseKernels;
import dev.sparrow.sparse.SparseTrainingKernels;

import java.util.Arrays;

/**
 * A packed weight ({@link Parameter#pack()}) viewed as a [rows, cols] matrix in CSR over its mask, and the three
 * products of a sparse training step on it with batch-innermost activations X [cols][ld], Y and dY [rows][ld]:
 * <ul>
 * <li>forward: Y = W X (+ bias) by {@link Csr#spmm} over a view of the packed values;</li>
 * <li>weight gradient at the active weights only (a sampled dense-dense product): dW[k] += dot(dY[r][:], X[c][:]);</li>
 * <li>input gradient dX = W^T dY, by the forward's spmm over W^T in CSR (structure rebuilt with the packing, values
 * gathered from the packed values once per backward), or, where W^T does not fit 16-bit indices, in one fused
 * pass over the nonzeros with the weight gradient ({@link SparseTrainingKernels#backward}).</li>
 * </ul>
 * Shared by the sparse engines of {@link Linear} (ld = batch) and {@link Conv2d} (the weight viewed as
 * [cout, cin·kh·kw], X the im2col columns, ld = the columns of a group of samples). Threads split the rows by
 * nonzeros. When the mask changes the parameter is repacked (a new positions array), and the index structure is
 * rebuilt from it here (O(nnz + rows)).
 */
final class PackedRows {
    private static final int GATHER_GRAIN = 8192;
    private final ComputePool.RangeTask gatherTask = this::gather;

    private final Parameter weight;
    private final String name;
    private final int rows;
    private final int cols;
    private final SparseKernels sparseKernels = SparseKernels.of(Backend.get());
    private final SparseTrainingKernels trainKernels = SparseTrainingKernels.of(Backend.get());

    private int[] builtFor;
    private int[] rowPtr;
    private char[] colIndex;
    private Csr csr;
    // W^T as CSR (the nonzeros by input column): its structure is rebuilt with the packing, its values gathered
    // from the packed values once per backward (they change every step)
    private int[] byColumn;   // packed index of the j-th nonzero in column order
    private float[] valuesByColumn;
    private Csr csrT;
    private float[][] dxParts = new float[0][];

    PackedRows(Parameter weight, String name, int rows, int cols) {
        this.weight = weight;
        this.name = name;
        this.rows = rows;
        this.cols = cols;
    }

    /** Whether a weight of {@code cols} columns fits the 16-bit column indices. */
    static boolean fits(int cols) { return cols <= 65536; }

    /** Rebuilds the index structure if the parameter was repacked since (a no-op otherwise). */
    void refresh() {
        int[] pos = weight.packedPositions();
        if (pos == builtFor && csr != null) return;
        int[] ptr = new int[rows + 1];
        char[] c = new char[pos.length];
        for (int j = 0; j < pos.length; j++) {
            int r = pos[j] / cols;
            ptr[r + 1]++;
            c[j] = (char) (pos[j] - r * cols);
        }
        for (int r = 0; r < rows; r++) ptr[r + 1] += ptr[r];
        rowPtr = ptr;
        colIndex = c;
        csr = Csr.sharing(name, rows, cols, ptr, weight.packedValues(), c);
        if (rows <= 65536) transposedStructure(ptr, c); else csrT = null;
        builtFor = pos;
    }

    /** The column-major order of the nonzeros (a counting sort by column, rows ascending within a column). */
    private void transposedStructure(int[] ptr, char[] c) {
        int nnz = c.length;
        int[] colPtr = new int[cols + 1];
        for (int j = 0; j < nnz; j++) colPtr[c[j] + 1]++;
        for (int i = 0; i < cols; i++) colPtr[i + 1] += colPtr[i];
        int[] next = Arrays.copyOf(colPtr, cols);
        int[] order = new int[nnz];
        char[] rowOf = new char[nnz];
        for (int r = 0; r < rows; r++) {
            for (int j = ptr[r]; j < ptr[r + 1]; j++) {
                int at = next[c[j]]++;
                order[at] = j;
                rowOf[at] = (char) r;
            }
        }
        byColumn = order;
        valuesByColumn = new float[nnz];
        csrT = Csr.sharing(name + " transposed", cols, rows, colPtr, valuesByColumn, rowOf);
    }

    /** The number of active weights. */
    int nonzeros() { return rowPtr[rows]; }

    /** y (rows, ld) = W x (cols, ld) (+ bias per row, when not null). */
    void forward(float[] x, int ld, float[] y, float[] bias, ComputePool pool) {
        csr.spmm(sparseKernels, x, 0, ld, ld, y, 0, ld, bias, false, pool);
    }

    /** Whether {@link #inputGradient} runs (W^T fits 16-bit indices); else {@link #fusedBackward}. */
    boolean transposable() { return csrT != null; }

    /**
     * Gathers the current packed values into W^T's order: once per backward, before {@link #inputGradient};
     * split over the pool by nonzeros when there are enough of them.
     */
    void gatherTransposed(ComputePool pool) {
        int nnz = byColumn.length;
        if (pool.threads() <= 1 || nnz < GATHER_GRAIN * 2) {
            gather(0, nnz);
        } else {
            pool.parallelFor(nnz, GATHER_GRAIN, gatherTask);
        }
    }

    private void gather(int from, int to) {
        int[] order = byColumn;
        float[] w = weight.packedValues();
        float[] wt = valuesByColumn;
        for (int j = from; j < to; j++) wt[j] = w[order[j]];
    }

    /** dx (cols, ld) = W^T dy (rows, ld), each row of dx accumulated in registers over its nonzeros and stored once. */
    void inputGradient(float[] dy, int ld, float[] dx, ComputePool pool) {
        csrT.spmm(sparseKernels, dy, 0, ld, ld, dx, 0, ld, null, false, pool);
    }

    /** dw[k] += dot(dy[r][:], x[c][:]) at the active weights only, threads splitting the rows by nonzeros. */
    void weightGradient(float[] dy, float[] x, int ld, float[] dw, ComputePool pool) {
        int parts = Math.min(pool.threads(), rows);
        if (parts <= 1 || rowPtr[rows] < 4096) {
            trainKernels.weightGradient(rowPtr, colIndex, dy, x, ld, dw, 0, rows);
            return;
        }
        final int n = parts;
        pool.parallelFor(n, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                int r0 = boundary(p, n), r1 = boundary(p + 1, n);
                if (r0 < r1) trainKernels.weightGradient(rowPtr, colIndex, dy, x, ld, dw, r0, r1);
            }
        });
    }

    /**
     * Both gradients in one pass over the nonzeros: dw as {@link #weightGradient}, dx (cols, ld) = W^T dy (zeroed
     * first). Threads split the rows by nonzeros, each with its own dx (rows share columns), summed after.
     */
    void fusedBackward(float[] dy, float[] x, int ld, float[] dw, float[] dx, ComputePool pool) {
        float[] w = weight.packedValues();
        int parts = Math.min(pool.threads(), rows);
        Arrays.fill(dx, 0, cols * ld, 0f);
        if (parts <= 1 || rowPtr[rows] < 4096) {
            trainKernels.backward(rowPtr, colIndex, w, dy, x, ld, dw, dx, 0, rows);
            return;
        }
        int len = cols * ld;
        if (dxParts.length < parts - 1 || dxParts[0].length < len) dxParts = new float[parts - 1][len];
        final int n = parts;
        pool.parallelFor(n, 1, (from, to) -> {
            for (int p = from; p < to; p++) {
                int r0 = boundary(p, n), r1 = boundary(p + 1, n);
                float[] target = p == 0 ? dx : dxParts[p - 1];
                if (p > 0) Arrays.fill(target, 0, len, 0f);
                if (r0 < r1) trainKernels.backward(rowPtr, colIndex, w, dy, x, ld, dw, target, r0, r1);
            }
        });
        pool.parallelFor(len, 1024, (from, to) -> {
            for (int p = 0; p < n - 1; p++) {
                float[] part = dxParts[p];
                for (int i = from; i < to; i++) dx[i] += part[i];
            }
        });
    }

    /** The first row of part p of n, splitting the rows by nonzeros. */
    private int boundary(int p, int n) {
        if (p <= 0) return 0;
        if (p >= n) return rows;
        long target = (long) rowPtr[rows] * p / n;
        int lo = 0, hi = rows;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (rowPtr[mid] >= target) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}
