package dev.sparrow.sparsity;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deterministic selection among candidate positions. Ranking is by |value|, largest first, and equal
 * magnitudes go to the lower index, so a selection depends only on the values, never on sort
 * stability or thread timing.
 */
final class Ranking {
    private Ranking() {}

    /**
     * The {@code k} candidates (the first {@code count} entries of {@code candidates}) with the largest
     * |values[i]|, best first.
     */
    static int[] largestAbs(float[] values, int[] candidates, int count, int k) {
        if (k < 0 || k > count) throw new IllegalArgumentException("cannot pick " + k + " of " + count + " candidates");
        if (k == 0) return new int[0];
        // One sortable long per candidate: magnitude bits high (non-negative floats order like their
        // bits), then MAX - index so that an equal magnitude with a lower index sorts higher.
        long[] keys = new long[count];
        for (int j = 0; j < count; j++) {
            int i = candidates[j];
            long bits = Float.floatToRawIntBits(Math.abs(values[i])) & 0x7fffffffL;
            keys[j] = (bits << 32) | (Integer.MAX_VALUE - i);
        }
        Arrays.sort(keys);
        int[] out = new int[k];
        for (int j = 0; j < k; j++) out[j] = Integer.MAX_VALUE - (int) (keys[count - 1 - j] & 0xffffffffL);
        return out;
    }

    /** {@code k} distinct candidates drawn uniformly (partial Fisher-Yates on a copy). */
    static int[] random(int[] candidates, int count, int k, SplittableRandom rng) {
        if (k < 0 || k > count) throw new IllegalArgumentException("cannot pick " + k + " of " + count + " candidates");
        int[] pool = Arrays.copyOf(candidates, count);
        for (int j = 0; j < k; j++) {
            int r = j + rng.nextInt(count - j);
            int t = pool[j];
            pool[j] = pool[r];
            pool[r] = t;
        }
        return Arrays.copyOf(pool, k);
    }

    /** Indices in [from, to) where {@code flags[i] == want}, as an exact-length array. */
    static int[] where(boolean[] flags, int from, int to, boolean want) {
        int n = 0;
        for (int i = from; i < to; i++) if (flags[i] == want) n++;
        int[] out = new int[n];
        n = 0;
        for (int i = from; i < to; i++) if (flags[i] == want) out[n++] = i;
        return out;
    }

    /** Indices in [from, to) where the 0/1 mask is (want ? 1 : 0), as an exact-length array. */
    static int[] where(float[] keep, int from, int to, boolean want) {
        int n = 0;
        for (int i = from; i < to; i++) if ((keep[i] != 0f) == want) n++;
        int[] out = new int[n];
        n = 0;
        for (int i = from; i < to; i++) if ((keep[i] != 0f) == want) out[n++] = i;
        return out;
    }
}
