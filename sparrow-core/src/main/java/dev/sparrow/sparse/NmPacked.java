package dev.sparrow.sparse;

/**
 * N:M sparsity (at most N active weights in every group of M consecutive inputs of a row, e.g. 2:4,
 * 1:8, 2:16), stored as N values and N in-group offsets per group (see {@link PackedGroups}).
 * Bytes per nonzero: 5 (4-byte value, 1-byte offset), plus the padding of groups with fewer than N.
 */
public final class NmPacked extends PackedGroups {

    private NmPacked(MaskedWeights w, int n, int m) {
        super(w, m, n);
    }

    /** Requires 1 &lt;= n &lt;= m &lt;= 256; the last group of a row may be narrower than m. */
    public static NmPacked from(MaskedWeights w, int n, int m) {
        if (m < 1 || m > 256 || n < 1 || n > m) {
            throw new IllegalArgumentException("layer '" + w.layerName() + "': N:M needs 1 <= N <= M <= 256, got "
                    + n + ":" + m);
        }
        String misfit = misfit(w, n, m);
        if (misfit != null) throw w.unsupported("nm" + n + ":" + m, misfit);
        return new NmPacked(w, n, m);
    }

    /** Why {@code w}'s mask has more than n active in some group of m, or null when it has not. */
    static String misfit(MaskedWeights w, int n, int m) {
        int groups = (w.cols() + m - 1) / m;
        for (int r = 0; r < w.rows(); r++) {
            for (int g = 0; g < groups; g++) {
                int active = groupCount(w, r, g, m);
                if (active > n) {
                    return "row " + r + ", columns " + g * m + ".." + (Math.min(w.cols(), g * m + m) - 1)
                            + " have " + active + " active weights, more than N = " + n;
                }
            }
        }
        return null;
    }

    @Override
    public String format() { return "nm" + slots + ":" + groupWidth; }
}
