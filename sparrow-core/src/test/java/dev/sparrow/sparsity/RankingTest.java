package dev.sparrow.sparsity;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Ranking#largestAbs} (a selection, then a sort of the chosen) against a full sort of every candidate. */
class RankingTest {
    private static final long SEED = 4242;

    /** The reference: sort all candidates by |value| descending, equal magnitudes by ascending index. */
    private static int[] reference(float[] values, int[] candidates, int count, int k) {
        Integer[] order = new Integer[count];
        for (int j = 0; j < count; j++) order[j] = candidates[j];
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(Math.abs(values[b]), Math.abs(values[a]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        int[] out = new int[k];
        for (int j = 0; j < k; j++) out[j] = order[j];
        return out;
    }

    @Test
    void selectionGivesTheFullSortsTopKInOrderWithTiesToTheLowerIndex() {
        System.out.println("RankingTest seed " + SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int n : new int[] {1, 2, 3, 17, 100, 1001, 20_000}) {
            for (int distinct : new int[] {1, 3, 50, Integer.MAX_VALUE}) {
                float[] values = new float[n];
                for (int i = 0; i < n; i++) {
                    values[i] = distinct == Integer.MAX_VALUE ? (float) rng.nextGaussian()
                            : (rng.nextBoolean() ? -1 : 1) * (float) rng.nextInt(distinct); // ties, zeros, both signs
                }
                // candidates: a shuffled subset
                int[] candidates = new int[n];
                int count = 0;
                for (int i = 0; i < n; i++) if (rng.nextInt(4) != 0 || n < 4) candidates[count++] = i;
                for (int j = count - 1; j > 0; j--) {
                    int r = rng.nextInt(j + 1);
                    int t = candidates[j];
                    candidates[j] = candidates[r];
                    candidates[r] = t;
                }
                for (int k : new int[] {0, 1, count / 3, count / 2, count - 1, count}) {
                    if (k < 0) continue;
                    int[] want = reference(values, candidates, count, k);
                    assertThat(Ranking.largestAbs(values, candidates, count, k))
                            .as("n %d, %d distinct magnitudes, %d candidates, k %d", n, distinct, count, k)
                            .isEqualTo(want);
                    boolean[] marked = new boolean[n];
                    Ranking.markLargestAbs(values, candidates, count, k, marked);
                    boolean[] wantMarked = new boolean[n];
                    for (int i : want) wantMarked[i] = true;
                    assertThat(marked).as("marked: n %d, %d distinct, k %d", n, distinct, k).isEqualTo(wantMarked);
                    // every index a candidate (candidates null)
                    int[] all = new int[n];
                    for (int i = 0; i < n; i++) all[i] = i;
                    int kk = Math.min(k, n);
                    boolean[] markedAll = new boolean[n];
                    Ranking.markLargestAbs(values, null, n, kk, markedAll);
                    boolean[] wantAll = new boolean[n];
                    for (int i : reference(values, all, n, kk)) wantAll[i] = true;
                    assertThat(markedAll).as("all indices: n %d, %d distinct, k %d", n, distinct, kk).isEqualTo(wantAll);
                }
            }
        }
    }

    @Test
    void selectLargestPutsTheKLargestLast() {
        SplittableRandom rng = new SplittableRandom(SEED + 1);
        for (int n : new int[] {2, 5, 64, 999, 50_000}) {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) a[i] = ((long) rng.nextInt(7) << 32) | i; // distinct, many equal high halves
            // ascending and descending inputs too (a poor pivot's worst cases)
            for (int order = 0; order < 3; order++) {
                long[] b = a.clone();
                if (order > 0) Arrays.sort(b);
                if (order == 2) for (int i = 0; i < n / 2; i++) { long t = b[i]; b[i] = b[n - 1 - i]; b[n - 1 - i] = t; }
                long[] sorted = b.clone();
                Arrays.sort(sorted);
                for (int k : new int[] {1, n / 7 + 1, n / 2, n - 1}) {
                    long[] c = b.clone();
                    Ranking.selectLargest(c, n, k);
                    long[] top = Arrays.copyOfRange(c, n - k, n);
                    Arrays.sort(top);
                    assertThat(top).as("n %d, order %d, k %d", n, order, k).isEqualTo(Arrays.copyOfRange(sorted, n - k, n));
                }
            }
        }
    }
}
