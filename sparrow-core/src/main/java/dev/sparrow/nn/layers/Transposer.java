package dev.sparrow.nn.layers;

import dev.sparrow.kernel.ComputePool;

/**
 * dst (cols, rows) = src (rows, cols) transposed, in 32 x 32 blocks, split over the pool: the sparse
 * training engine's layout changes (X to X^T and back). The strided side of each block is the one whose
 * stride is the smaller dimension (when rows &gt;= cols the writes are contiguous and the reads strided by
 * cols, else the other way round): a stride of 2048 floats maps a block's 32 lines onto one cache set (8 KiB
 * apart), which made the transposes of a 2048-wide layer 3-4x slower. Each chunk of the pool owns whole
 * 32-wide stripes of the destination, so the result never depends on the thread count (it is a copy). One
 * instance per caller, reused: a call allocates nothing; not thread-safe.
 */
final class Transposer implements ComputePool.RangeTask {
    private static final int BS = 32;
    /** Below this many elements the copy runs on the calling thread (a pool round trip costs more). */
    private static final int MIN_PARALLEL = 1 << 13;

    private float[] src;
    private float[] dst;
    private int rows;
    private int cols;

    /** Transposes src (rows, cols) into dst (cols, rows). */
    void transpose(float[] src, int rows, int cols, float[] dst, ComputePool pool) {
        boolean byDstRows = rows >= cols;
        int stripes = ((byDstRows ? cols : rows) + BS - 1) / BS;
        if (pool.threads() <= 1 || (long) rows * cols < MIN_PARALLEL) {
            run(src, rows, cols, dst, 0, stripes);
            return;
        }
        this.src = src;
        this.dst = dst;
        this.rows = rows;
        this.cols = cols;
        try {
            pool.parallelFor(stripes, 1, this);
        } finally {
            this.src = null;
            this.dst = null;
        }
    }

    @Override
    public void run(int from, int to) {
        run(src, rows, cols, dst, from, to);
    }

    /** Stripes [from, to) of 32 destination rows (rows >= cols) or 32 destination columns (else). */
    static void run(float[] src, int rows, int cols, float[] dst, int from, int to) {
        if (rows >= cols) {
            // writes contiguous along dst rows c, reads strided by cols
            for (int c0 = from * BS; c0 < Math.min(cols, to * BS); c0 += BS) {
                int c1 = Math.min(cols, c0 + BS);
                for (int r0 = 0; r0 < rows; r0 += BS) {
                    int r1 = Math.min(rows, r0 + BS);
                    for (int c = c0; c < c1; c++) {
                        int d = c * rows;
                        for (int r = r0; r < r1; r++) dst[d + r] = src[r * cols + c];
                    }
                }
            }
        } else {
            // reads contiguous along src rows r, writes strided by rows
            for (int r0 = from * BS; r0 < Math.min(rows, to * BS); r0 += BS) {
                int r1 = Math.min(rows, r0 + BS);
                for (int c0 = 0; c0 < cols; c0 += BS) {
                    int c1 = Math.min(cols, c0 + BS);
                    for (int r = r0; r < r1; r++) {
                        int s = r * cols;
                        for (int c = c0; c < c1; c++) dst[c * rows + r] = src[s + c];
                    }
                }
            }
        }
    }
}
