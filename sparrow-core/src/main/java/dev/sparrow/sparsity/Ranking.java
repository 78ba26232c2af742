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
        long[] keys = keys(values, candidates, count);
        // Keys are distinct (the index is in them), so the top k are one set whatever the method: select them
        // (O(count)), then sort only those. A full sort of a 2048 x 2048 layer's gradient took most of an update.
        selectLargest(keys, count, k);
        Arrays.sort(keys, count - k, count);
        int[] out = new int[k];
        for (int j = 0; j < k; j++) out[j] = Integer.MAX_VALUE - (int) (keys[count - 1 - j] & 0xffffffffL);
        return out;
    }

    /**
     * Sets {@code into[i]} for the same {@code k} candidates as {@link #largestAbs} picks, without ordering them (the
     * callers that only need the set: no sort of the chosen). {@code candidates} null means every index in [0, count).
     */
    static void markLargestAbs(float[] values, int[] candidates, int count, int k, boolean[] into) {
        if (k < 0 || k > count) throw new IllegalArgumentException("cannot pick " + k + " of " + count + " candidates");
        if (k == 0) return;
        long[] keys = keys(values, candidates, count);
        selectLargest(keys, count, k);
        for (int j = count - k; j < count; j++) into[Integer.MAX_VALUE - (int) (keys[j] & 0xffffffffL)] = true;
    }

    /**
     * One sortable long per candidate: magnitude bits high (non-negative floats order like their bits), then
     * MAX - index so that an equal magnitude with a lower index sorts higher. candidates null: indices 0..count-1.
     */
    private static long[] keys(float[] values, int[] candidates, int count) {
        long[] keys = new long[count];
        for (int j = 0; j < count; j++) {
            int i = candidates == null ? j : candidates[j];
            long bits = Float.floatToRawIntBits(Math.abs(values[i])) & 0x7fffffffL;
            keys[j] = (bits << 32) | (Integer.MAX_VALUE - i);
        }
        return keys;
    }

    /**
     * Reorders the first n keys (distinct) so that the k largest are in [n - k, n), in any order: a quickselect with
     * a median-of-three pivot (deterministic), falling back to a sort of the remaining range after too many rounds.
     */
    static void selectLargest(long[] a, int n, int k) {
        if (k <= 0 || k >= n) return;
        int target = n - k; // the smallest of the top k belongs here in sorted order
        int lo = 0;
        int hi = n - 1;
        int rounds = 4 * (32 - Integer.numberOfLeadingZeros(n)) + 8;
        while (hi > lo) {
            if (rounds-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return;
            }
            int mid = (lo + hi) >>> 1;
            long x = a[lo], y = a[mid], z = a[hi];
            long pivot = Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // now [lo, j] <= pivot <= [i, hi], and any index strictly between holds the pivot itself
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return;
            }
        }
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
