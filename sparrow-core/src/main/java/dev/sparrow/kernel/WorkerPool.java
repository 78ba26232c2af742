package dev.sparrow.kernel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed set of daemon threads; the calling thread runs the first chunk itself. A call made from
 * inside a chunk runs serially, so nested kernels cannot deadlock the pool.
 */
final class WorkerPool implements ComputePool {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final int threads;
    private final ExecutorService workers;

    WorkerPool(int threads) {
        this.threads = threads;
        int id = POOL_IDS.incrementAndGet();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(() -> {
                IN_WORKER.set(Boolean.TRUE);
                r.run();
            }, "sparrow-pool-" + id + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override public int threads() { return threads; }

    @Override
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        int units = (n + g - 1) / g;
        int chunks = Math.min(threads, units);
        if (chunks <= 1 || IN_WORKER.get()) {
            task.run(0, n);
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[chunks - 1];
        for (int c = 1; c < chunks; c++) {
            int from = (int) ((long) units * c / chunks) * g;
            int to = Math.min(n, (int) ((long) units * (c + 1) / chunks) * g);
            futures[c - 1] = workers.submit(() -> task.run(from, to));
        }
        Throwable failure = null;
        try {
            task.run(0, Math.min(n, (int) ((long) units / chunks) * g));
        } catch (Throwable t) {
            failure = t;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) failure = e.getCause();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (failure == null) failure = e;
            }
        }
        if (failure instanceof RuntimeException re) throw re;
        if (failure instanceof Error err) throw err;
        if (failure != null) throw new IllegalStateException("parallel task failed", failure);
    }

    @Override
    public void close() {
        workers.shutdownNow();
    }
}
