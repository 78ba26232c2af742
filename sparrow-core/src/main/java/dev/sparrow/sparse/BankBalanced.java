package dev.sparrow.sparse;

/**
 * Bank-balanced sparsity: each row is cut into banks of equal width and every full bank of a non-empty
 * row holds the same number of active weights (the last, partial bank at most that many), so rows and
 * banks have equal work. Stored as values plus 8-bit in-bank offsets (see {@link PackedGroups}); a bank
 * of 16 inputs is one vector and the pick is one in-register permute.
 * Bytes per nonzero: 5.
 */
public final class BankBalanced extends PackedGroups {

    private BankBalanced(MaskedWeights w, int bankWidth, int perBank) {
        super(w, bankWidth, perBank);
    }

    /**
     * Infers the per-bank count from the mask (the largest bank count) and checks that every full bank of
     * every non-empty row has exactly that many. Requires 1 &lt;= bankWidth &lt;= 256.
     */
    public static BankBalanced from(MaskedWeights w, int bankWidth) {
        if (bankWidth < 1 || bankWidth > 256) {
            throw new IllegalArgumentException("layer '" + w.layerName() + "': bank width must be in [1, 256], got " + bankWidth);
        }
        String misfit = misfit(w, bankWidth);
        if (misfit != null) throw w.unsupported("bank" + bankWidth, misfit);
        return new BankBalanced(w, bankWidth, Math.max(perBank(w, bankWidth), 1));
    }

    /** The largest active count of any bank. */
    private static int perBank(MaskedWeights w, int bankWidth) {
        int banks = (w.cols() + bankWidth - 1) / bankWidth;
        int perBank = 0;
        for (int r = 0; r < w.rows(); r++) {
            for (int b = 0; b < banks; b++) perBank = Math.max(perBank, groupCount(w, r, b, bankWidth));
        }
        return perBank;
    }

    /** Why the full banks of {@code w}'s non-empty rows do not all hold the same count, or null. */
    static String misfit(MaskedWeights w, int bankWidth) {
        int banks = (w.cols() + bankWidth - 1) / bankWidth;
        int perBank = perBank(w, bankWidth);
        for (int r = 0; r < w.rows(); r++) {
            if (w.rowCount(r) == 0) continue;
            for (int b = 0; b < banks; b++) {
                int width = Math.min(w.cols(), b * bankWidth + bankWidth) - b * bankWidth;
                int active = groupCount(w, r, b, bankWidth);
                boolean ok = width == bankWidth ? active == perBank : active <= perBank;
                if (!ok) {
                    return "row " + r + ", bank " + b + " (columns " + b * bankWidth + ".."
                            + (b * bankWidth + width - 1) + ") has " + active + " active weights, other banks have " + perBank;
                }
            }
        }
        return null;
    }

    /** Active weights per full bank. */
    public int perBank() { return slots; }

    @Override
    public String format() { return "bank" + groupWidth + "(k=" + slots + ")"; }
}
