package dev.sparrow.kernel;

/**
 * The arguments of one kernel call, split over a {@link ComputePool} without allocating. A capturing
 * lambda ({@code (from, to) -> k.csrGemv(this, x, ...)}) is a new object per call, and C2 removes it only
 * when everything it is passed to inlines, which a pool that hands it to other threads never does: that
 * cost 20-800 bytes per layer call. Instead the call's arguments go into this frame, one per thread and
 * reused, and the work is a non-capturing {@link Body} (a constant) that reads them. The frame is typed by
 * what the call runs on ({@code T}, e.g. the weights) and with ({@code C}, e.g. the backend's kernels), so
 * the body needs no casts:
 * <pre>{@code
 * KernelCall.of(this, k).gemv(x, xOff, y, yOff, bias, relu).byNonzeros(pool, rowPtr, rows,
 *         (c, from, to) -> c.context.csrGemv(c.target, c.x, c.xOff, c.y, c.yOff, c.bias, c.relu, from, to));
 * }</pre>
 * The frame is released (and its references cleared) when the split returns. A nested call on the same
 * thread while the frame is in use (a kernel that calls a kernel) gets a fresh frame.
 */
public final class KernelCall<T, C> implements ComputePool.RangeTask {

    /** The work on [from, to) of the units, reading its arguments from the frame. */
    @FunctionalInterface
    public interface Body<T, C> {
        void run(KernelCall<T, C> call, int from, int to);
    }

    /** The work on rows [rowFrom, rowTo) and batch columns [colFrom, colTo) of a product with transposed activations. */
    @FunctionalInterface
    public interface SliceBody<T, C> {
        void run(KernelCall<T, C> call, int rowFrom, int rowTo, int colFrom, int colTo);
    }

    /**
     * Batch columns a thread's slice holds at least: 32 by default (two 512-bit vectors: the kernels' register tile
     * width); {@value #MIN_SLICE_COLUMNS_PROPERTY} overrides it, for measuring the split on a many-core machine (a
     * larger value splits more by rows: at 16 threads and batch 128 the default gives 4 column slices of 32, so
     * each nonzero's index load and broadcast serve two 512-bit FMAs instead of eight).
     */
    static final int MIN_SLICE_COLUMNS = Math.max(1, Integer.getInteger(KernelCall.MIN_SLICE_COLUMNS_PROPERTY, 32));

    /** The system property that sets {@link #MIN_SLICE_COLUMNS}. */
    public static final String MIN_SLICE_COLUMNS_PROPERTY = "sparrow.kernel.minSliceColumns";

    private static final ThreadLocal<KernelCall<?, ?>> FRAMES = ThreadLocal.withInitial(KernelCall::new);

    // The arguments. Written by the calling thread before the split, only read during it.
    /** What the call runs on: the weights, or the step that owns the work. */
    public T target;
    /** What it runs with: the backend's kernels, or a workspace. */
    public C context;
    public float[] a;
    public int aOff, lda, m, n;
    public float beta;
    public float[] x;
    public int xOff, ldx, batch;
    public float[] y;
    public int yOff, ldy;
    public float[] bias;
    public boolean relu;

    private Body<T, C> body;
    private SliceBody<T, C> sliceBody;
    private int colSlices, rowParts, sliceWidth;
    private int[] ptr;
    private int units;
    private int parts;
    private long total;
    private boolean byNonzeros;
    private boolean inUse;

    private KernelCall() {}

    /** This thread's frame for a call on {@code target} (the weights) with {@code context} (the kernels). */
    @SuppressWarnings("unchecked") // a free frame holds no references: its type is whatever this call's is
    public static <T, C> KernelCall<T, C> of(T target, C context) {
        KernelCall<T, C> c = (KernelCall<T, C>) FRAMES.get();
        if (c.inUse) c = new KernelCall<>();
        c.inUse = true;
        c.target = target;
        c.context = context;
        return c;
    }

    /** Sets the arguments of a matrix-vector product. */
    public KernelCall<T, C> gemv(float[] x, int xOff, float[] y, int yOff, float[] bias, boolean relu) {
        this.x = x;
        this.xOff = xOff;
        this.y = y;
        this.yOff = yOff;
        this.bias = bias;
        this.relu = relu;
        return this;
    }

    /** Sets the arguments of a product with transposed activations ([features][batch]). */
    public KernelCall<T, C> spmm(float[] xt, int xtOff, int ldx, int batch, float[] yt, int ytOff, int ldy, float[] bias,
                           boolean relu) {
        gemv(xt, xtOff, yt, ytOff, bias, relu);
        this.ldx = ldx;
        this.batch = batch;
        this.ldy = ldy;
        return this;
    }

    /** Sets a dense matrix operand: {@code m} x {@code n} at {@code a[aOff]} with leading dimension {@code lda}. */
    public KernelCall<T, C> matrix(float[] a, int aOff, int lda, int m, int n, float beta) {
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.m = m;
        this.n = n;
        this.beta = beta;
        return this;
    }

    /** Runs body over [0, n) split evenly (multiples of grain) over the pool, then releases the frame. */
    public void evenly(ComputePool pool, int n, int grain, Body<T, C> body) {
        try {
            if (n <= 0) return;
            if (pool.threads() <= 1) {
                body.run(this, 0, n);
                return;
            }
            this.body = body;
            this.byNonzeros = false;
            pool.parallelFor(n, grain, this);
        } finally {
            release();
        }
    }

    /**
     * Runs body over [0, units) in at most pool.threads() contiguous ranges of equal nonzero count, where
     * ptr (length units + 1, non-decreasing) gives the cumulative nonzeros before each unit; then
     * releases the frame.
     */
    public void byNonzeros(ComputePool pool, int[] ptr, int units, Body<T, C> body) {
        try {
            int p = Math.min(pool.threads(), units);
            long t = units <= 0 ? 0 : ptr[units];
            if (p <= 1 || t == 0) {
                if (units > 0) body.run(this, 0, units);
                return;
            }
            this.body = body;
            this.byNonzeros = true;
            this.ptr = ptr;
            this.units = units;
            this.parts = p;
            this.total = t;
            pool.parallelFor(p, 1, this);
        } finally {
            release();
        }
    }

    /**
     * Runs body over rows [0, units) and the batch columns set by {@link #spmm}, split over the pool in
     * two dimensions: the batch into slices of at least {@link #MIN_SLICE_COLUMNS} columns (each thread
     * then reads only its own columns of X^T: splitting rows alone would make every thread read, and the
     * kernels pack, all of X^T), and the rows, where threads remain, into parts of equal nonzero count
     * (ptr as in {@link #byNonzeros}) or equal row count (ptr null). Then releases the frame.
     */
    public void slices(ComputePool pool, int[] ptr, int units, SliceBody<T, C> body) {
        try {
            int threads = pool.threads();
            if (units <= 0 || batch <= 0) return;
            if (threads <= 1) {
                body.run(this, 0, units, 0, batch);
                return;
            }
            int wanted = Math.max(1, Math.min(threads, batch / MIN_SLICE_COLUMNS));
            // whole vectors per slice, so only the last slice has a tail (rounding may leave fewer slices)
            int width = ((batch + wanted - 1) / wanted + 15) / 16 * 16;
            this.sliceBody = body;
            this.sliceWidth = width;
            this.colSlices = (batch + width - 1) / width;
            this.rowParts = Math.max(1, Math.min(threads / colSlices, units));
            this.ptr = ptr;
            this.units = units;
            this.total = ptr == null ? units : ptr[units];
            pool.parallelFor(colSlices * rowParts, 1, this);
        } finally {
            release();
        }
    }

    /** A chunk of the split (called by the pool on its threads). */
    @Override
    public void run(int from, int to) {
        if (sliceBody != null) {
            for (int p = from; p < to; p++) {
                int cs = p % colSlices;
                int rp = p / colSlices;
                int c0 = cs * sliceWidth;
                int c1 = Math.min(batch, c0 + sliceWidth);
                int r0 = rowBoundary(rp);
                int r1 = rowBoundary(rp + 1);
                if (r0 < r1 && c0 < c1) sliceBody.run(this, r0, r1, c0, c1);
            }
            return;
        }
        if (!byNonzeros) {
            body.run(this, from, to);
            return;
        }
        for (int p = from; p < to; p++) {
            int f = p == 0 ? 0 : firstAtLeast(ptr, units, total * p / parts);
            int t = p == parts - 1 ? units : firstAtLeast(ptr, units, total * (p + 1) / parts);
            if (f < t) body.run(this, f, t);
        }
    }

    private int rowBoundary(int part) {
        if (part <= 0) return 0;
        if (part >= rowParts) return units;
        if (ptr == null) return (int) ((long) units * part / rowParts);
        return firstAtLeast(ptr, units, total * part / rowParts);
    }

    /** The first i in [0, units] with ptr[i] >= target. */
    static int firstAtLeast(int[] ptr, int units, long target) {
        int lo = 0, hi = units;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ptr[mid] >= target) hi = mid; else lo = mid + 1;
        }
        return lo;
    }

    private void release() {
        target = null;
        context = null;
        a = x = y = bias = null;
        ptr = null;
        body = null;
        sliceBody = null;
        inUse = false;
    }
}
