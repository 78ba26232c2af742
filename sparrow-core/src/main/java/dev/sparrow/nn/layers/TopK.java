package dev.sparrow.nn.layers;

/**
 * The k-th largest of a slice in expected O(n): quickselect with a median-of-three pivot and a
 * three-way split done as two branch-free passes (so runs of equal values, such as many zeros, end
 * the search at once). It permutes the
 * slice, so callers select on a scratch copy.
 */
final class TopK {
    private TopK() {}

    /** The k-th largest value of {@code a[from, from + n)}, 1 <= k <= n; reorders that slice. */
    static float kthLargest(float[] a, int from, int n, int k) {
        int target = from + n - k; // its index in ascending order
        int lo = from;
        int hi = from + n - 1;
        while (lo < hi) {
            float p = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
            // branch-free Lomuto passes (random data would mispredict every other branch):
            // first [lo, lt) < p, then [lt, le) == p, leaving [le, hi] > p
            int lt = lo;
            for (int i = lo; i <= hi; i++) {
                float v = a[i];
                a[i] = a[lt];
                a[lt] = v;
                lt += v < p ? 1 : 0;
            }
            if (target < lt) {
                hi = lt - 1;
                continue;
            }
            int le = lt;
            for (int i = lt; i <= hi; i++) {
                float v = a[i];
                a[i] = a[le];
                a[le] = v;
                le += v <= p ? 1 : 0;
            }
            if (target < le || le == lt) return p; // le == lt only for a NaN pivot
            lo = le;
        }
        return a[target];
    }

    private static float medianOfThree(float x, float y, float z) {
        if (x > y) { float t = x; x = y; y = t; }
        if (y > z) y = z;
        return Math.max(x, y);
    }
}
