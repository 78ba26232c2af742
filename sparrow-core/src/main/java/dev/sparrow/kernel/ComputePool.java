package dev.sparrow.kernel;

/**
 * The threads kernels may split work over. The caller sizes it; {@link #serial()} runs everything on
 * the calling thread. Work is described by index ranges so that a task allocates nothing per element.
 */
public interface ComputePool extends AutoCloseable {

    /** Work on the half-open index range [from, to). */
    @FunctionalInterface
    interface RangeTask {
        void run(int from, int to);
    }

    /** Number of threads that run work at once (1 for the serial pool). */
    int threads();

    /**
     * Runs task over [0, n) split into at most {@link #threads()} contiguous chunks whose sizes are
     * multiples of {@code grain} (except the last), and returns when all are done. Exceptions thrown by
     * a chunk are rethrown here.
     */
    void parallelFor(int n, int grain, RangeTask task);

    @Override
    void close();

    /** The pool that runs everything on the calling thread. */
    static ComputePool serial() {
        return SerialPool.INSTANCE;
    }

    /** A pool of {@code threads} threads (the calling thread counts as one); 1 gives the serial pool. */
    static ComputePool ofThreads(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        return threads == 1 ? serial() : new WorkerPool(threads);
    }
}
