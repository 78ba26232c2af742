package dev.sparrow.kernel;

/** Runs every task on the calling thread. */
final class SerialPool implements ComputePool {
    static final SerialPool INSTANCE = new SerialPool();

    private SerialPool() {}

    @Override public int threads() { return 1; }

    @Override
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n > 0) task.run(0, n);
    }

    @Override public void close() {}
}
