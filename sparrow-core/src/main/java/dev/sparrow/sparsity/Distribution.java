package dev.sparrow.sparsity;

import java.util.Locale;

/** How a global sparsity target is split over the sparse layers (see {@link SparsityBudget}). */
public enum Distribution {
    /** Every sparse layer gets the same sparsity. */
    UNIFORM,
    /**
     * Erdős–Rényi-Kernel: density proportional to (sum of the weight's dims) / (product of its dims),
     * so small and thin layers stay denser.
     */
    ERK;

    /** "uniform" or "erk" (any case); anything else is an error naming the option. */
    public static Distribution parse(String name) {
        if (name != null) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "uniform": return UNIFORM;
                case "erk": return ERK;
                default: break;
            }
        }
        throw new IllegalArgumentException("distribution '" + name + "' is unknown; expected uniform or erk");
    }

    public String id() { return name().toLowerCase(Locale.ROOT); }
}
