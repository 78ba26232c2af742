package dev.sparrow.kernel;

/**
 * The k-th largest of a slice in expected O(n): quickselect with a median-of-three pivot and a
 * three-way split done as two branch-free passes (so runs of equal values, such as many zeros, end
 * the search at once). It permutes the
 * slice, so callers select on a scratch copy. One routine for the k-winners-take-all layers (training)
 * and the inference session's fused selection, so the two choose the same winners.
 */
public final class TopK {
    private TopK() {}

    /** The k-th largest value of {@code a[from, from + n)}, 1 &lt;= k &lt;= n; reorders that slice. */
    public static float kthLargest(float[] a, int from, int n, int k) {
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

    /**
     * Of the n values at {@code base}, {@code stride} apart, whose k-th largest is t: how many equal to t are
     * winners (k minus those above t). Ties go to the lower index: the first that many values equal to t win.
     */
    public static int tiesToKeep(float[] v, int base, int stride, int n, float t, int k) {
        int above = 0;
        for (int e = 0; e < n; e++) above += v[base + e * stride] > t ? 1 : 0;
        return k - above;
    }

    /**
     * Selection in place: of the n values at {@code base}, {@code stride} apart, the k largest stay and the
     * others become 0, ties going to the lower index (as the k-WTA layers choose at evaluation). {@code
     * scratch} holds at least n values.
     */
    public static void keepLargest(float[] v, int base, int stride, int n, int k, float[] scratch) {
        if (k >= n) return;
        if (k <= 0) {
            for (int e = 0; e < n; e++) v[base + e * stride] = 0f;
            return;
        }
        for (int e = 0; e < n; e++) scratch[e] = v[base + e * stride];
        float t = kthLargest(scratch, 0, n, k);
        int tiesLeft = tiesToKeep(v, base, stride, n, t, k);
        for (int e = 0; e < n; e++) {
            int i = base + e * stride;
            float b = v[i];
            boolean tie = b == t & tiesLeft > 0;
            tiesLeft -= tie ? 1 : 0;
            v[i] = b > t | tie ? b : 0f;
        }
    }

    private static float medianOfThree(float x, float y, float z) {
        if (x > y) { float t = x; x = y; y = t; }
        if (y > z) y = z;
        return Math.max(x, y);
    }
}
