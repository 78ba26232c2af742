package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

import java.util.SplittableRandom;

/**
 * Complementary groups (Numenta's Complementary Sparsity): over a weight viewed as [rows, fanIn], the
 * rows of each group of n consecutive output neurons have disjoint masks that together cover every
 * input, so each input position of a group is owned by exactly one of its neurons and the layer's
 * density is 1/n. Such a group packs into one dense row ({@code dev.sparrow.sparse.ComplementaryPacked}).
 */
public final class ComplementaryGroups {
    private ComplementaryGroups() {}

    /**
     * Checks a sparse layer can be split into groups of n rows.
     *
     * @throws IllegalArgumentException naming the layer
     */
    static void checkLayer(LayerBudget layer, int n) {
        if (layer.rows() % n != 0) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' has " + layer.rows() + " outputs, not a multiple of the "
                    + "complementary group size " + n + "; keep it dense (denseFirst/denseLast) or pick another group size");
        }
        if (layer.fanIn() < n) {
            throw new IllegalArgumentException("layer '" + layer.name() + "' has fan-in " + layer.fanIn() + ", fewer than the "
                    + "complementary group size " + n + " (a neuron would own no input)");
        }
    }

    /**
     * A random partition: in each group the inputs are shuffled and dealt to its n neurons in turn, so
     * each neuron owns floor or ceil(fanIn / n) inputs (the first fanIn mod n neurons get one more).
     */
    static Mask random(int rows, int fanIn, int n, SplittableRandom rng) {
        float[] keep = new float[Math.multiplyExact(rows, fanIn)];
        int[] order = new int[fanIn];
        for (int g = 0; g < rows; g += n) {
            for (int c = 0; c < fanIn; c++) order[c] = c;
            for (int c = fanIn - 1; c > 0; c--) {
                int j = rng.nextInt(c + 1);
                int t = order[c];
                order[c] = order[j];
                order[j] = t;
            }
            for (int j = 0; j < fanIn; j++) keep[(g + j % n) * fanIn + order[j]] = 1f;
        }
        return Mask.of(keep);
    }

    /**
     * Whether, in every group of n consecutive rows, each input is active in exactly one row
     * (disjoint and covering).
     */
    public static boolean disjointAndCovering(Mask mask, int rows, int n) {
        if (rows < 1 || n < 1 || rows % n != 0 || mask.size() % rows != 0) return false;
        float[] keep = mask.values();
        int fanIn = keep.length / rows;
        for (int g = 0; g < rows; g += n) {
            for (int c = 0; c < fanIn; c++) {
                int owners = 0;
                for (int r = g; r < g + n; r++) if (keep[r * fanIn + c] != 0f) owners++;
                if (owners != 1) return false;
            }
        }
        return true;
    }
}
