package dev.sparrow.kernel;

/**
 * A weight matrix W (rows x cols) packed once, for the repeated products of inference: y = W x
 * ({@link Kernels#gemv(PackedDenseMatrix, float[], int, float, float[], int, ComputePool)}) and C = W B
 * ({@link Kernels#gemm(PackedDenseMatrix, int, float[], int, int, float, float[], int, int, ComputePool)}).
 *
 * <p>Layout: depth blocks of {@link #DEPTH_BLOCK} columns (the GEMM's KC), each holding panels of
 * {@link #panelRows()} consecutive rows stored column by column, {@code [block][panel][col in block][row in
 * panel]}, the last panel zero-padded: both products read it front to back, one linear stream (the GEMV
 * accumulates y block by block). Why: a row-major W read a few rows at a
 * time is several short streams (a 768-column row is 3 KiB), which the hardware prefetcher barely trains
 * on before each ends; measured on the Zen 4 VM, the 4-row GEMV read streamed weights at 9-15 GB/s and
 * the same loop over this layout, one linear stream, at 14-21 GB/s (ONNX Runtime, which prepacks its
 * weights too, 20 GB/s). The GEMM reads its A micro-panels straight from here instead of packing A per
 * call, in runs of KC x panelRows floats instead of 96 separate 1 KiB rows.
 */
public final class PackedDenseMatrix {
    private final int rows, cols, panelRows;
    /** Columns per depth block: the GEMM's KC, so that one of its A micro-panels is one contiguous run. */
    static final int DEPTH_BLOCK = PackedGemm.KC;
    /** [ceil(cols / DEPTH_BLOCK)][ceil(rows / panelRows)][depth block's columns][panelRows], zero-padded. */
    final float[] data;

    private PackedDenseMatrix(int rows, int cols, int panelRows, float[] data) {
        this.rows = rows;
        this.cols = cols;
        this.panelRows = panelRows;
        this.data = data;
    }

    /** Packs W = w[off + r * ld + c] (rows x cols) into panels of {@code panelRows} rows. */
    static PackedDenseMatrix pack(float[] w, int off, int ld, int rows, int cols, int panelRows) {
        if (rows < 0 || cols < 0 || panelRows <= 0) {
            throw new IllegalArgumentException("cannot pack a " + rows + " x " + cols + " matrix in panels of " + panelRows);
        }
        if (rows > 0 && cols > 0 && (ld < cols || off < 0 || off + (long) (rows - 1) * ld + cols > w.length)) {
            throw new IllegalArgumentException("a " + rows + " x " + cols + " matrix at offset " + off + " with ld "
                    + ld + " does not fit an array of " + w.length);
        }
        int panels = (rows + panelRows - 1) / panelRows;
        long size = (long) panels * panelRows * cols;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a packed " + rows + " x " + cols + " matrix needs " + size
                    + " floats, more than one array holds");
        }
        PackedDenseMatrix p = new PackedDenseMatrix(rows, cols, panelRows, new float[(int) size]);
        for (int r = 0; r < rows; r++) {
            for (int c = 0, src = off + r * ld; c < cols; c++) p.data[p.index(r, c)] = w[src + c];
        }
        return p;
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
        return data[index(r, c)];
    }

    /** Rows of the padded panels: what one column of a depth block holds. */
    int paddedRows() {
        return (rows + panelRows - 1) / panelRows * panelRows;
    }

    /** Where the depth block starting at column pc (a multiple of DEPTH_BLOCK) begins. */
    int blockStart(int pc) {
        return pc * paddedRows();
    }

    private int index(int r, int c) {
        int pc = c - c % DEPTH_BLOCK, kc = Math.min(DEPTH_BLOCK, cols - pc);
        return blockStart(pc) + (r / panelRows) * kc * panelRows + (c - pc) * panelRows + r % panelRows;
    }
}
