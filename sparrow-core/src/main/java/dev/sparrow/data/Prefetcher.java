package dev.sparrow.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands out the batches of one epoch at a time from a fixed ring, recycled, so the steady state
 * allocates nothing. In the background mode a producer thread per epoch fills batches ahead of the
 * consumer through a queue of depth {@value #DEPTH}, and an exception there is rethrown by the
 * consumer's {@link #next}; otherwise {@link #next} fills each batch itself. One consumer thread only.
 */
final class Prefetcher {
    /** Batches prepared ahead of the consumer. */
    static final int DEPTH = 2;

    /** Fills batch {@code index} of {@code epoch}; runs on the producer thread in the background mode. */
    interface Filler {
        void fill(Batch batch, int epoch, int index);
    }

    private final boolean background;
    private final Filler filler;
    private final String threadName;
    private final String datasetName;
    private final Batch[] ring;
    private final Batch failed; // marker put in the queue when the producer fails
    private final BlockingQueue<Batch> free;
    private final BlockingQueue<Batch> ready;

    private Thread producer;
    private volatile Throwable producerFailure;
    private volatile int failedBatch;
    private Batch held;

    Prefetcher(boolean background, int batchSize, int remainder, int[] sampleShape, Filler filler, String threadName,
               String datasetName) {
        this.background = background;
        this.filler = filler;
        this.threadName = threadName;
        this.datasetName = datasetName;
        int ringSize = background ? DEPTH + 2 : 1; // queued + one being filled + one held by the consumer
        this.ring = new Batch[ringSize];
        for (int i = 0; i < ringSize; i++) ring[i] = new Batch(batchSize, remainder, sampleShape);
        this.failed = new Batch(1, 0, new int[] {1});
        this.free = new ArrayBlockingQueue<>(ringSize);
        this.ready = new ArrayBlockingQueue<>(DEPTH);
    }

    /** Abandons any earlier epoch and, in the background mode, starts filling the {@code batches} of {@code epoch}. */
    void start(int epoch, int batches) {
        stop();
        if (!background) return;
        producerFailure = null;
        Thread t = new Thread(() -> produce(epoch, batches), threadName + "-epoch-" + epoch);
        t.setDaemon(true);
        producer = t;
        t.start();
    }

    /**
     * Batch {@code index} of {@code epoch}; the one returned before is recycled now. A failure to fill
     * it is an {@link IllegalStateException}; after a producer failure {@link #producerFailed()} is true.
     */
    Batch next(int epoch, int index) {
        if (held != null) {
            free.add(held);
            held = null;
        }
        Batch b;
        if (background) {
            b = takeReady(epoch, index);
        } else {
            b = free.poll();
            try {
                filler.fill(b, epoch, index);
            } catch (RuntimeException | Error e) {
                free.add(b);
                throw failure(index, epoch, e);
            }
        }
        held = b;
        return b;
    }

    /** Whether the producer thread of the current epoch failed: no more batches will come. */
    boolean producerFailed() { return producerFailure != null; }

    /** Stops the producer thread, if any, waits for it, and takes every batch back. Idempotent. */
    void stop() {
        Thread t = producer;
        if (t != null) {
            t.interrupt();
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            producer = null;
        }
        held = null;
        ready.clear();
        free.clear();
        for (Batch b : ring) free.add(b);
    }

    private void produce(int epoch, int batches) {
        int b = 0;
        try {
            for (; b < batches; b++) {
                Batch batch = free.take();
                filler.fill(batch, epoch, b);
                ready.put(batch);
            }
        } catch (InterruptedException e) {
            // Cancelled by start() or stop(): nobody waits for the rest.
        } catch (Throwable t) {
            failedBatch = b;
            producerFailure = t;
            try {
                ready.put(failed);
            } catch (InterruptedException ignored) {
                // Cancelled while reporting: the consumer is gone.
            }
        }
    }

    private Batch takeReady(int epoch, int index) {
        Batch b;
        try {
            b = ready.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for batch " + index + " of epoch " + epoch, e);
        }
        if (b == failed) throw failure(failedBatch, epoch, producerFailure);
        return b;
    }

    private IllegalStateException failure(int batch, int epoch, Throwable cause) {
        return new IllegalStateException("data loader failed preparing batch " + batch + " of epoch " + epoch
                + " of " + datasetName + ": " + cause, cause);
    }
}
