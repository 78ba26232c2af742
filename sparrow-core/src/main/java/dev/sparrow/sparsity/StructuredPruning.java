package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.util.ArgumentException;

import java.util.List;
import java.util.Map;

/**
 * One-shot pruning of a trained model into a structure, layer by layer (weights already masked count
 * as zero, so they are chosen last): "nm:N:M" (every group of M consecutive inputs keeps its N largest
 * |w|; the sparsity is 1 - N/M), "balanced:BANK" (every bank of BANK consecutive inputs of a row keeps
 * round(BANK · density) largest |w|, the density from the layer's budget) or "block:R" (each layer keeps
 * its budget in whole R x 1 blocks with the largest sum of |w|, see {@link BlockMasks}). Budgets come
 * from {@link SparsityBudget#allocate} (uniform or ERK); layers kept dense are left alone.
 */
public final class StructuredPruning {
    /** The structures {@link #prune} accepts. */
    public static final List<String> STRUCTURES = List.of("nm:N:M", "balanced:BANK", "block:R");

    private StructuredPruning() {}

    /** Whether {@code method} names a structure ("nm:", "balanced:" or "block:" prefix). */
    public static boolean isStructure(String method) {
        return method != null && (method.startsWith("nm:") || method.startsWith("balanced:") || method.startsWith("block:"));
    }

    /**
     * The sparsity a structure implies whatever is asked (N:M: 1 - N/M), or NaN when the caller's
     * sparsity applies.
     */
    public static double impliedSparsity(String structure) {
        check(structure);
        if (structure.startsWith("nm:")) {
            int[] nm = SparsityConfig.nmPair(structure);
            return 1.0 - (double) nm[0] / nm[1];
        }
        return Double.NaN;
    }

    /** Checks a structure name and its numbers; errors name the argument {@code structure}. */
    public static void check(String structure) {
        if (!isStructure(structure)) {
            throw new ArgumentException("structure", "is " + structure + "; expected " + String.join(", ", STRUCTURES));
        }
        try {
            if (structure.startsWith("nm:")) SparsityConfig.nmPair(structure);
            else if (structure.startsWith("balanced:")) SparsityConfig.bankWidth(structure);
            else SparsityConfig.blockHeight(structure);
        } catch (ArgumentException e) {
            // SparsityConfig names its own argument, method; here the same text is this API's structure
            ArgumentException named = new ArgumentException("structure", e.problem());
            named.initCause(e);
            throw named;
        }
    }

    /**
     * Prunes {@code parameters} in place and returns the resulting statistics.
     *
     * @param sparsity global sparsity for balanced and block (ignored by nm:N:M)
     * @throws IllegalArgumentException naming the layer whose fan-in does not fit the structure
     */
    public static SparsityStats prune(Map<String, Parameter> parameters, String structure, double sparsity,
                                      Distribution distribution, boolean denseFirst, boolean denseLast) {
        check(structure);
        double s = structure.startsWith("nm:") ? impliedSparsity(structure) : sparsity;
        if (!(s >= 0 && s < 1)) throw new ArgumentException("sparsity", "is " + sparsity + "; expected in [0, 1)");
        List<LayerBudget> all = SparsityBudget.sparsifiable(parameters);
        if (all.isEmpty()) throw new IllegalArgumentException("no sparsifiable layers (weights of rank 2 or 4)");
        List<LayerBudget> budget = structure.startsWith("nm:")
                ? SparsityConfig.of(structure, 0, "uniform").withDenseEnds(denseFirst, denseLast).allocate(parameters)
                : SparsityBudget.allocate(all, s, distribution, denseFirst, denseLast);
        for (LayerBudget l : budget) {
            if (l.dense()) continue;
            float[] w = l.parameter().value().data();
            int rows = l.rows();
            int fanIn = l.fanIn();
            Mask mask;
            if (structure.startsWith("nm:")) {
                int[] nm = SparsityConfig.nmPair(structure);
                requireMultiple(l, nm[1], structure, "M");
                mask = StructuredMasks.nOfM(w, rows, fanIn, nm[0], nm[1]);
            } else if (structure.startsWith("balanced:")) {
                int bank = SparsityConfig.bankWidth(structure);
                requireMultiple(l, bank, structure, "the bank width");
                int keep = (int) Math.max(1, Math.round(bank * (double) l.active() / l.size()));
                mask = StructuredMasks.bankBalanced(w, rows, fanIn, bank, keep);
            } else {
                int r = SparsityConfig.blockHeight(structure);
                mask = BlockMasks.largestBlocks(w, rows, fanIn, r, BlockMasks.keptBlocks(BlockMasks.roundToBlocks(l, r), r));
            }
            l.parameter().setMask(mask);
        }
        return SparsityStats.of(all);
    }

    private static void requireMultiple(LayerBudget l, int multiple, String structure, String what) {
        if (l.fanIn() % multiple != 0) {
            throw new ArgumentException("structure", structure + ": layer '" + l.name() + "' has fan-in " + l.fanIn()
                    + ", not a multiple of " + multiple + " (" + what + "); keep it dense (denseFirst/denseLast)",
                    "denseFirst", "denseLast");
        }
    }
}
