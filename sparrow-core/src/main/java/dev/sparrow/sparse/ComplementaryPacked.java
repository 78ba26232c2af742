package dev.sparrow.sparse;


/**
 * Complementary sparsity (Numenta): the rows of each group of N consecutive neurons have disjoint masks,
 * so a group packs into one dense row of {@code cols} values plus, per slot, the owner (0..N-1) whose
 * output it feeds: y[g*N + owner] += packed[g][c] * x[c]. Stored input-major ([cols][groups], groups
 * padded to 16), so one input's column holds one weight per group, all for different outputs: a
 * conflict-free scatter, which also makes sparse inputs cheap. Slots no neuron owns hold 0.
 * Bytes per slot: 5 (4-byte value, 1-byte owner); at full coverage a slot is a nonzero.
 */
public final class ComplementaryPacked extends ColumnScatterMatrix {
    static final int LANES = 16;

    final String layerName;
    final int rows;
    final int cols;
    final int groupSize;    // N neurons per group (<= 256)
    final int groups;       // ceil(rows / N)
    final int paddedGroups; // groups rounded up to 16
    final long nnz;
    final float[] values;   // (cols, paddedGroups)
    final byte[] owner;     // (cols, paddedGroups) unsigned owner within the group

    private ComplementaryPacked(MaskedWeights w, int n) {
        this.layerName = w.layerName();
        this.rows = w.rows();
        this.cols = w.cols();
        this.groupSize = n;
        this.groups = (rows + n - 1) / n;
        this.paddedGroups = (groups + LANES - 1) / LANES * LANES;
        this.values = new float[cols * paddedGroups];
        this.owner = new byte[values.length];
        long count = 0;
        for (int g = 0; g < groups; g++) {
            int r0 = g * n, r1 = Math.min(rows, r0 + n);
            for (int c = 0; c < cols; c++) {
                for (int r = r0; r < r1; r++) {
                    if (!w.isActive(r, c)) continue;
                    values[c * paddedGroups + g] = w.value(r, c);
                    owner[c * paddedGroups + g] = (byte) (r - r0);
                    count++;
                }
            }
        }
        this.nnz = count;
    }

    /** Requires 1 &lt;= n &lt;= 256 and, in every group of n rows, at most one active weight per column. */
    public static ComplementaryPacked from(MaskedWeights w, int n) {
        if (n < 1 || n > 256) {
            throw new IllegalArgumentException("layer '" + w.layerName() + "': group size must be in [1, 256], got " + n);
        }
        String misfit = misfit(w, n);
        if (misfit != null) throw w.unsupported("complementary" + n, misfit);
        return new ComplementaryPacked(w, n);
    }

    /** Why two rows of some group of n share a column in {@code w}'s mask, or null when none do. */
    static String misfit(MaskedWeights w, int n) {
        for (int r0 = 0; r0 < w.rows(); r0 += n) {
            int r1 = Math.min(w.rows(), r0 + n);
            for (int c = 0; c < w.cols(); c++) {
                int first = -1;
                for (int r = r0; r < r1; r++) {
                    if (!w.isActive(r, c)) continue;
                    if (first >= 0) {
                        return "rows " + first + " and " + r + " both use column " + c
                                + " (masks within a group of " + n + " rows must be disjoint)";
                    }
                    first = r;
                }
            }
        }
        return null;
    }

    public int groupSize() { return groupSize; }

    @Override public String layerName() { return layerName; }
    @Override public String format() { return "complementary" + groupSize; }
    @Override public int rows() { return rows; }
    @Override public int cols() { return cols; }
    @Override public long nnz() { return nnz; }
    @Override public long bytes() { return 5L * values.length; }

    @Override
    public float[] toDense() {
        float[] d = new float[rows * cols];
        for (int c = 0; c < cols; c++) {
            for (int g = 0; g < groups; g++) {
                int p = c * paddedGroups + g;
                if (values[p] != 0f) d[(g * groupSize + (owner[p] & 0xFF)) * cols + c] = values[p];
            }
        }
        return d;
    }

    @Override
    void scatterDense(SparseKernels k, float[] x, int xOff, float[] y, int yOff) {
        k.complementaryScatterDense(this, x, xOff, y, yOff);
    }

    @Override
    void scatterSparse(SparseKernels k, int[] activeIdx, float[] activeVals, int count, float[] y, int yOff) {
        k.complementaryScatterSparse(this, activeIdx, activeVals, count, y, yOff);
    }

    @Override
    void spmmColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy, int from, int to) {
        k.complementarySpmm(this, xt, xtOff, ldx, yt, ytOff, ldy, from, to);
    }

    @Override
    void spmmSparseInputColumns(SparseKernels k, float[] xt, int xtOff, int ldx, float[] yt, int ytOff, int ldy,
                                int from, int to) {
        k.complementarySpmmSparseInput(this, xt, xtOff, ldx, yt, ytOff, ldy, from, to);
    }
}
