package dev.sparrow.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of daemon threads; the calling thread runs the first chunk itself. A call made from
 * inside a chunk runs serially, so nested kernels cannot deadlock the pool.
 *
 * <p>Why not an executor with futures: a kernel call is often only tens of microseconds, and a
 * submit + {@code Future.get} round trip (queue, wake-up, completion) cost about 10 us here. Each
 * worker has one task slot instead; after a task it spins briefly for the next one (a training step
 * calls the pool many times in a row) before parking, and the caller spins briefly for the workers.
 */
final class WorkerPool implements ComputePool {
    private static final AtomicInteger POOL_IDS = new AtomicInteger();
    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    /** How long an idle worker, or a waiting caller, spins before parking. */
    private static final long SPIN_NANOS = 30_000;

    private final int threads;
    private final Worker[] workers;
    /** One parallelFor at a time owns the workers; a concurrent or nested caller runs its work serially. */
    private final ReentrantLock owner = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Thread caller;
    private volatile boolean closed;

    WorkerPool(int threads) {
        this.threads = threads;
        int id = POOL_IDS.incrementAndGet();
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            Thread t = new Thread(workers[i], "sparrow-pool-" + id + "-" + (i + 1));
            t.setDaemon(true);
            workers[i].thread = t;
            t.start();
        }
    }

    @Override public int threads() { return threads; }

    @Override
    public void parallelFor(int n, int grain, RangeTask task) {
        if (n <= 0) return;
        int g = Math.max(1, grain);
        int units = (n + g - 1) / g;
        int chunks = Math.min(threads, units);
        // Serial when: nothing to split; called from a worker's chunk or from the caller's own chunk
        // (a nested call: the workers are busy with the outer one); or another thread owns the pool.
        if (chunks <= 1 || closed || IN_WORKER.get() || owner.isHeldByCurrentThread() || !owner.tryLock()) {
            task.run(0, n);
            return;
        }
        try {
            caller = Thread.currentThread();
            pending.set(chunks - 1);
            for (int c = 1; c < chunks; c++) {
                Worker w = workers[c - 1];
                w.task = task;
                w.from = (int) ((long) units * c / chunks) * g;
                w.to = Math.min(n, (int) ((long) units * (c + 1) / chunks) * g);
                w.posted = w.posted + 1; // volatile write: publishes the fields above
                LockSupport.unpark(w.thread);
            }
            Throwable failure = null;
            try {
                task.run(0, Math.min(n, (int) ((long) units / chunks) * g));
            } catch (Throwable t) {
                failure = t;
            }
            awaitWorkers();
            for (int c = 1; c < chunks; c++) {
                Worker w = workers[c - 1];
                if (failure == null) failure = w.failure;
                w.failure = null;
            }
            if (failure instanceof RuntimeException re) throw re;
            if (failure instanceof Error err) throw err;
            if (failure != null) throw new IllegalStateException("parallel task failed", failure);
        } finally {
            owner.unlock();
        }
    }

    /** Waits, even after a failure of our own chunk, so no worker still runs when the call returns. */
    private void awaitWorkers() {
        long start = System.nanoTime();
        boolean interrupted = false;
        while (pending.get() != 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true; // finish waiting, then restore the flag
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w.thread);
    }

    private final class Worker implements Runnable {
        Thread thread;
        /** Incremented by the caller for each task it posts; the worker runs when it differs from done. */
        volatile long posted;
        private long done;
        // Written by the caller before it increments posted, read by this worker after it sees that.
        RangeTask task;
        int from;
        int to;
        // Written by this worker before it decrements pending, read by the caller after pending is 0.
        Throwable failure;

        @Override
        public void run() {
            IN_WORKER.set(Boolean.TRUE);
            while (awaitTask()) {
                try {
                    task.run(from, to);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    task = null;
                    if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
                }
            }
        }

        /** Spins, then parks, until a task is posted (true) or the pool is closed (false). */
        private boolean awaitTask() {
            long start = System.nanoTime();
            while (posted == done) {
                if (closed) return false;
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            done = posted;
            return true; // a task posted before close() still runs: its caller is waiting for it
        }
    }
}
