package dev.sparrow.kernel;

/**
 * A weight matrix W (rows x cols) packed once, for the repeated products of inference: y = W x
 * ({@link Kernels#gemv(PackedWeights, float[], int, float, float[], int, ComputePool)}) and C = W B
 * ({@link Kernels#gemm(PackedWeights, int, float[], int, int, float, float[], int, int, ComputePool)}).
 *
 * <p>Layout: panels of {@link #panelRows()} consecutive rows, each stored column by column,
 * {@code [panel][col][row in panel]}, the last panel zero-padded. Why: a row-major W read a few rows at a
 * time is several short streams (a 768-column row is 3 KiB), which the hardware prefetcher barely trains
 * on before each ends; measured on the Zen 4 VM, the 4-row GEMV read streamed weights at 9-15 GB/s and
 * the same loop over this layout, one linear stream, at 14-21 GB/s (ONNX Runtime, which prepacks its
 * weights too, 20 GB/s). The GEMM reads its A micro-panels straight from here instead of packing A per
 * call, in runs of KC x panelRows floats instead of 96 separate 1 KiB rows.
 */
public final class PackedWeights {
    private final int rows, cols, panelRows;
    /** [ceil(rows / panelRows)][cols][panelRows], zero-padded. */
    final float[] data;

    private PackedWeights(int rows, int cols, int panelRows, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.panelRows = panelRows;
        this.data = data;
    }

    /** Packs W = w[off + r * ld + c] (rows x cols) into panels of {@code panelRows} rows. */
    static PackedWeights pack(float[] w, int off, int ld, int rows, int cols, int panelRows) {
        if (rows < 0 || cols < 0 || panelRows <= 0) {
            throw new IllegalArgumentException("cannot pack a " + rows + " x " + cols + " matrix in panels of " + panelRows);
        }
        if (rows > 0 && cols > 0 && (ld < cols || off < 0 || off + (long) (rows - 1) * ld + cols > w.length)) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix at offset " + off + " with ld "
                    + ld + " does not fit an array of " + w.length);
        }
        int panels = (rows + panelRows - 1) / panelRows;
        long size = (long) panels * cols * panelRows;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a packed " + rows + " x " + cols + " matrix needs " + size
                    + " floats, more than one array holds");
        }
        float[] data = new float[(int) size];
        for (int r = 0; r < rows; r++) {
            int base = (r / panelRows) * cols * panelRows + r % panelRows;
            for (int c = 0, src = off + r * ld; c < cols; c++) data[base + c * panelRows] = w[src + c];
        }
        return new PackedWeights(rows, cols, panelRows, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Rows per panel: the vector width of the kernels that packed it. */
    public int panelRows() {
        return panelRows;
    }

    /** Bytes of the packed representation (padding included). */
    public long bytes() {
        return 4L * data.length;
    }

    /** W[r][c]. */
    public float get(int r, int c) {
        return data[(r / panelRows) * cols * panelRows + c * panelRows + r % panelRows];
    }
}
