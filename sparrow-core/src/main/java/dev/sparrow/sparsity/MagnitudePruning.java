package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;
import dev.sparrow.nn.Parameter;
import dev.sparrow.util.ArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One-shot magnitude pruning of a trained model's sparsifiable weights (see {@link SparsityBudget}):
 * the active weights with the smallest |w| are masked out and set to zero. Weights already masked stay
 * masked. Ties go to the lower flat index (and, for the global scope, to the earlier layer).
 *
 * <ul>
 * <li>{@link Scope#GLOBAL}: one threshold over all pruned layers; exactly round((1 - S)·N) weights stay
 *     active, N the sparsifiable weights, layers kept dense counted as active. A layer may end up much
 *     sparser than another, or even empty.</li>
 * <li>{@link Scope#LAYER}: each layer keeps exactly its budget from {@link SparsityBudget#allocate}
 *     (uniform or ERK).</li>
 * </ul>
 * A layer with fewer active weights than its share keeps them all.
 */
public final class MagnitudePruning {
    public enum Scope {
        GLOBAL, LAYER;

        /** "global" or "layer" (any case); anything else is an error naming the argument {@code scope}. */
        public static Scope parse(String name) {
            if (name != null) {
                for (Scope s : values()) if (s.name().equalsIgnoreCase(name)) return s;
            }
            throw new ArgumentException("scope", "is " + name + "; expected global or layer");
        }

        public String id() { return name().toLowerCase(Locale.ROOT); }
    }

    private MagnitudePruning() {}

    /**
     * Prunes {@code parameters} in place to global sparsity {@code sparsity} and returns the resulting
     * statistics. Layers kept dense (first/last) are left as they are.
     *
     * @param distribution only used by {@link Scope#LAYER}
     */
    public static SparsityStats prune(Map<String, Parameter> parameters, double sparsity, Scope scope,
                                      Distribution distribution, boolean denseFirst, boolean denseLast) {
        if (scope == null) throw new IllegalArgumentException("scope must not be null; expected global or layer");
        if (!(sparsity >= 0 && sparsity < 1)) throw new ArgumentException("sparsity", "is " + sparsity + "; expected in [0, 1)");
        List<LayerBudget> all = SparsityBudget.sparsifiable(parameters);
        if (all.isEmpty()) throw new IllegalArgumentException("no sparsifiable layers (weights of rank 2 or 4)");
        if (scope == Scope.LAYER) {
            for (LayerBudget l : SparsityBudget.allocate(all, sparsity, distribution, denseFirst, denseLast)) {
                if (!l.dense()) keepLargest(List.of(l), l.active());
            }
        } else {
            List<LayerBudget> pruned = new ArrayList<>();
            long total = SparsityBudget.totalSize(all);
            long keep = Math.round((1 - sparsity) * total);
            for (int i = 0; i < all.size(); i++) {
                boolean dense = (denseFirst && i == 0) || (denseLast && i == all.size() - 1);
                if (dense) keep -= activeCount(all.get(i).parameter());
                else pruned.add(all.get(i));
            }
            if (keep < 0) {
                throw new ArgumentException("sparsity", sparsity + " cannot hold: the layers kept dense (denseFirst/denseLast) "
                        + "already have more than " + Math.round((1 - sparsity) * total) + " active weights", "denseFirst", "denseLast");
            }
            if (!pruned.isEmpty()) keepLargest(pruned, keep);
        }
        return SparsityStats.of(all);
    }

    /** Keeps the {@code keep} largest active |w| over the layers (as one flat vector), masking the rest. */
    private static void keepLargest(List<LayerBudget> layers, long keep) {
        long size = SparsityBudget.totalSize(layers);
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("pruned layers have " + size + " weights; at most 2^31 supported");
        float[] w = new float[(int) size];
        int[] active = new int[(int) size];
        int count = 0;
        int offset = 0;
        for (LayerBudget l : layers) {
            Parameter p = l.parameter();
            float[] v = p.value().data();
            System.arraycopy(v, 0, w, offset, v.length);
            for (int i = 0; i < v.length; i++) if (!p.hasMask() || p.mask().isActive(i)) active[count++] = offset + i;
            offset += v.length;
        }
        int k = (int) Math.min(keep, count);
        boolean[] kept = new boolean[(int) size];
        for (int i : Ranking.largestAbs(w, active, count, k)) kept[i] = true;
        offset = 0;
        for (LayerBudget l : layers) {
            float[] flags = new float[l.size()];
            for (int i = 0; i < flags.length; i++) flags[i] = kept[offset + i] ? 1f : 0f;
            l.parameter().setMask(Mask.of(flags));
            offset += flags.length;
        }
    }

    private static int activeCount(Parameter p) {
        return p.hasMask() ? p.mask().activeCount() : p.size();
    }
}
