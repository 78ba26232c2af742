package dev.sparrow.sparsity;

import dev.sparrow.nn.Mask;

import java.util.SplittableRandom;

/** Initial masks with exact active counts, drawn from a seeded random source. */
public final class MaskInit {
    private MaskInit() {}

    /** A mask of {@code size} weights with exactly {@code active} of them active, uniformly at random. */
    public static Mask random(int size, int active, SplittableRandom rng) {
        if (size < 1) throw new IllegalArgumentException("size must be >= 1, got " + size);
        if (active < 0 || active > size) throw new IllegalArgumentException("active is " + active + "; expected in [0, " + size + "]");
        if (rng == null) throw new IllegalArgumentException("rng must not be null");
        float[] keep = new float[size];
        // Floyd's algorithm: exactly `active` distinct positions, O(active) draws.
        for (int j = size - active; j < size; j++) {
            int t = rng.nextInt(j + 1);
            if (keep[t] != 0f) keep[j] = 1f;
            else keep[t] = 1f;
        }
        return Mask.of(keep);
    }

    /**
     * A constant fan-in mask over a weight viewed as [rows, fanIn]: every row (output neuron; for a
     * convolution an output channel over cin·kh·kw) keeps exactly {@code k} inputs, chosen at random.
     */
    public static Mask constantFanIn(int rows, int fanIn, int k, SplittableRandom rng) {
        if (rows < 1) throw new IllegalArgumentException("rows must be >= 1, got " + rows);
        if (fanIn < 1) throw new IllegalArgumentException("fanIn must be >= 1, got " + fanIn);
        if (k < 0 || k > fanIn) throw new IllegalArgumentException("fan-in k is " + k + "; expected in [0, " + fanIn + "]");
        if (rng == null) throw new IllegalArgumentException("rng must not be null");
        float[] keep = new float[Math.multiplyExact(rows, fanIn)];
        for (int r = 0; r < rows; r++) {
            int base = r * fanIn;
            for (int j = fanIn - k; j < fanIn; j++) {
                int t = rng.nextInt(j + 1);
                if (keep[base + t] != 0f) keep[base + j] = 1f;
                else keep[base + t] = 1f;
            }
        }
        return Mask.of(keep);
    }

    /** Active weights in each row of a mask viewed as [rows, size / rows]. */
    public static int[] rowCounts(Mask mask, int rows) {
        if (rows < 1 || mask.size() % rows != 0) {
            throw new IllegalArgumentException("rows is " + rows + "; it must divide the mask size " + mask.size());
        }
        int fanIn = mask.size() / rows;
        float[] keep = mask.values();
        int[] counts = new int[rows];
        for (int r = 0; r < rows; r++) {
            int c = 0;
            for (int i = r * fanIn; i < (r + 1) * fanIn; i++) if (keep[i] != 0f) c++;
            counts[r] = c;
        }
        return counts;
    }
}
