package dev.sparrow.nn.layers;

/**
 * The k-th largest of a slice in expected O(n): quickselect with a median-of-three pivot and a
 * three-way partition (so runs of equal values, such as many zeros, cost one pass). It permutes the
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
            int lt = lo, i = lo, gt = hi; // [lo, lt) < p, [lt, i) == p, (gt, hi] > p
            while (i <= gt) {
                float v = a[i];
                if (v < p) {
                    a[i++] = a[lt];
                    a[lt++] = v;
                } else if (v > p) {
                    a[i] = a[gt];
                    a[gt--] = v;
                } else {
                    i++;
                }
            }
            if (target < lt) hi = lt - 1;
            else if (target > gt) lo = gt + 1;
            else return p;
        }
        return a[target];
    }

    private static float medianOfThree(float x, float y, float z) {
        if (x > y) { float t = x; x = y; y = t; }
        if (y > z) y = z;
        return Math.max(x, y);
    }
}
