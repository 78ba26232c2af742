package dev.sparrow.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Batches of a {@link Dataset}: seeded shuffling per epoch, normalisation, optional augmentation
 * (random crop with zero padding, random horizontal flip) and background prefetch.
 *
 * <p>Determinism: epoch e is shuffled and augmented by random generators derived from (seed, e)
 * only, and batches are always filled in order by one thread, so a given (seed, epoch) gives the
 * same batches with or without prefetch, and any epoch can be reproduced alone.
 *
 * <p>Prefetch runs a producer thread per epoch that fills batches ahead of the consumer through a
 * queue of depth {@value #PREFETCH_DEPTH}; batches come from a fixed ring and are recycled, so the
 * steady state allocates nothing. An exception in the producer is rethrown by the consumer's
 * {@code next()}. One consumer thread only. Close the loader (or use try-with-resources) to stop
 * the producer.
 *
 * <pre>
 * try (DataLoader loader = DataLoader.builder(train, 128).seed(42).normalize(FashionMnist.MEAN, FashionMnist.STD).build()) {
 *     for (int e = 0; e &lt; epochs; e++) {
 *         for (Batch b : loader.epoch(e)) { ... b.x(), b.labels() ... }
 *     }
 * }
 * </pre>
 */
public final class DataLoader implements AutoCloseable {
    /** Batches prepared ahead of the consumer. */
    public static final int PREFETCH_DEPTH = 2;
    private static final AtomicInteger LOADER_IDS = new AtomicInteger();
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final Dataset dataset;
    private final byte[] pixels;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;
    private final boolean prefetch;
    private final int cropPadding;
    private final boolean horizontalFlip;
    private final float[][] lut;        // (channels, 256): normalised value of each raw pixel
    private final int batches;
    private final int[] order;          // (size,) sample indices in this epoch's order
    private final Batch[] ring;         // recycled batches
    private final Batch failed;         // marker put in the queue when the producer fails
    private final BlockingQueue<Batch> free;
    private final BlockingQueue<Batch> ready;
    private final IntConsumer beforeBatch; // test hook, runs where batches are filled
    private final String threadName;

    private Thread producer;
    private volatile Throwable producerFailure;
    private volatile int failedBatch;
    private SplittableRandom augmentRandom;
    private Epoch currentEpoch;
    private Batch held;
    private boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.pixels = dataset.pixelBytes();
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.cropPadding = b.cropPadding;
        this.horizontalFlip = b.horizontalFlip;
        this.beforeBatch = b.beforeBatch;
        int c = dataset.channels();
        this.lut = new float[c][256];
        for (int ch = 0; ch < c; ch++) {
            float mean = b.mean.length == 1 ? b.mean[0] : b.mean[ch];
            float std = b.std.length == 1 ? b.std[0] : b.std[ch];
            for (int v = 0; v < 256; v++) lut[ch][v] = (v / 255f - mean) / std;
        }
        int n = dataset.size();
        this.batches = dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
        int remainder = dropLast ? 0 : n % batchSize;
        this.order = new int[n];
        int ringSize = prefetch ? PREFETCH_DEPTH + 2 : 1; // queued + one being filled + one held by the consumer
        this.ring = new Batch[ringSize];
        for (int i = 0; i < ringSize; i++) ring[i] = new Batch(batchSize, remainder, dataset.sampleShape());
        this.failed = new Batch(1, 0, new int[] {1, 1, 1});
        this.free = new ArrayBlockingQueue<>(ringSize);
        this.ready = new ArrayBlockingQueue<>(PREFETCH_DEPTH);
        this.threadName = "sparrow-prefetch-" + LOADER_IDS.incrementAndGet();
    }

    /** A builder for batches of {@code batchSize} samples of {@code dataset}. */
    public static Builder builder(Dataset dataset, int batchSize) {
        return new Builder(dataset, batchSize);
    }

    public Dataset dataset() { return dataset; }

    public int batchSize() { return batchSize; }

    /** Batches per epoch (the last one partial unless dropLast). */
    public int batchesPerEpoch() { return batches; }

    /** Samples per epoch: all of them, or only those of full batches with dropLast. */
    public int samplesPerEpoch() { return dropLast ? batches * batchSize : dataset.size(); }

    /**
     * Starts epoch {@code epoch} (from 0) and returns its batches. Any earlier epoch that is still
     * running is abandoned, and its batches become invalid.
     */
    public Epoch epoch(int epoch) {
        if (closed) throw new IllegalStateException("data loader is closed");
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        stopProducer();
        SplittableRandom epochRandom = new SplittableRandom(mix64(seed + GOLDEN_GAMMA * (epoch + 1L)));
        SplittableRandom shuffleRandom = epochRandom.split();
        augmentRandom = epochRandom.split();
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = shuffleRandom.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        currentEpoch = new Epoch(epoch);
        if (prefetch) startProducer(epoch);
        return currentEpoch;
    }

    /** Stops the producer thread, if any, and waits for it. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stopProducer();
        currentEpoch = null;
    }

    private void startProducer(int epoch) {
        producerFailure = null;
        Thread t = new Thread(() -> produce(epoch), threadName + "-epoch-" + epoch);
        t.setDaemon(true);
        producer = t;
        t.start();
    }

    private void produce(int epoch) {
        int b = 0;
        try {
            for (; b < batches; b++) {
                Batch batch = free.take();
                fill(batch, epoch, b);
                ready.put(batch);
            }
        } catch (InterruptedException e) {
            // Cancelled by epoch() or close(): nobody waits for the rest.
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

    private void stopProducer() {
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

    private void fill(Batch batch, int epoch, int index) {
        if (beforeBatch != null) beforeBatch.accept(index);
        int start = index * batchSize;
        int count = Math.min(batchSize, order.length - start);
        batch.prepare(count, epoch, index);
        float[] x = batch.x().data();
        int[] labels = batch.labels();
        int sampleSize = dataset.sampleSize();
        int c = dataset.channels();
        int h = dataset.height();
        int w = dataset.width();
        SplittableRandom rnd = augmentRandom;
        for (int j = 0; j < count; j++) {
            int sample = order[start + j];
            labels[j] = dataset.label(sample);
            // Fixed draw order (dy, dx, flip) keeps augmentation reproducible from the seed.
            int dy = cropPadding > 0 ? rnd.nextInt(2 * cropPadding + 1) : cropPadding;
            int dx = cropPadding > 0 ? rnd.nextInt(2 * cropPadding + 1) : cropPadding;
            boolean flip = horizontalFlip && rnd.nextBoolean();
            writeSample(pixels, sample * sampleSize, c, h, w, lut, cropPadding, dy, dx, flip, x, j * sampleSize);
        }
    }

    /**
     * Writes one normalised sample: crop at offset (dy, dx) of the image padded by {@code padding}
     * raw-zero pixels on each side, then mirror left-right if {@code flip}. Output pixel (y, x) is
     * source pixel (y + dy - padding, x' + dx - padding) with x' = flip ? w - 1 - x : x, or padding.
     * With padding 0, dy = dx = 0 and no flip this is a plain normalised copy.
     */
    static void writeSample(byte[] src, int srcOffset, int c, int h, int w, float[][] lut, int padding,
                            int dy, int dx, boolean flip, float[] dst, int dstOffset) {
        int plane = h * w;
        for (int ch = 0; ch < c; ch++) {
            float[] table = lut[ch];
            int s = srcOffset + ch * plane;
            int d = dstOffset + ch * plane;
            if (dy == padding && dx == padding && !flip) {
                for (int i = 0; i < plane; i++) dst[d + i] = table[src[s + i] & 0xff];
                continue;
            }
            float zero = table[0];
            for (int y = 0; y < h; y++) {
                int sy = y + dy - padding;
                int row = d + y * w;
                if (sy < 0 || sy >= h) {
                    for (int x = 0; x < w; x++) dst[row + x] = zero;
                    continue;
                }
                int srcRow = s + sy * w;
                for (int x = 0; x < w; x++) {
                    int sx = (flip ? w - 1 - x : x) + dx - padding;
                    dst[row + x] = sx < 0 || sx >= w ? zero : table[src[srcRow + sx] & 0xff];
                }
            }
        }
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Name prefix of this loader's producer threads, for leak checks. */
    String threadName() { return threadName; }

    /** The batches of one epoch, in order; iterable once. */
    public final class Epoch implements Iterator<Batch>, Iterable<Batch> {
        private final int number;
        private int delivered;

        private Epoch(int number) {
            this.number = number;
        }

        public int number() { return number; }

        @Override
        public Iterator<Batch> iterator() { return this; }

        @Override
        public boolean hasNext() {
            checkCurrent();
            return delivered < batches;
        }

        /** The next batch; the previous one returned is recycled now. */
        @Override
        public Batch next() {
            checkCurrent();
            if (delivered >= batches) throw new NoSuchElementException("epoch " + number + " has only " + batches + " batches");
            if (held != null) {
                free.add(held);
                held = null;
            }
            Batch b;
            if (prefetch) {
                b = takeReady();
            } else {
                b = free.poll();
                try {
                    fill(b, number, delivered);
                } catch (RuntimeException | Error e) {
                    free.add(b);
                    throw failure(delivered, e);
                }
            }
            held = b;
            delivered++;
            return b;
        }

        private Batch takeReady() {
            Batch b;
            try {
                b = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for batch " + delivered + " of epoch " + number, e);
            }
            if (b == failed) {
                delivered = batches; // nothing more will come
                throw failure(failedBatch, producerFailure);
            }
            return b;
        }

        private IllegalStateException failure(int batch, Throwable cause) {
            return new IllegalStateException("data loader failed preparing batch " + batch + " of epoch " + number
                    + " of " + dataset.name() + ": " + cause, cause);
        }

        private void checkCurrent() {
            if (closed) throw new IllegalStateException("data loader is closed");
            if (currentEpoch != this) {
                throw new IllegalStateException("epoch " + number + " was abandoned when epoch "
                        + currentEpoch.number + " started");
            }
        }
    }

    /** Settings of a {@link DataLoader}; defaults: seed 0, shuffle, keep the last partial batch, no normalisation, no augmentation, prefetch on. */
    public static final class Builder {
        private final Dataset dataset;
        private final int batchSize;
        private long seed;
        private boolean shuffle = true;
        private boolean dropLast;
        private boolean prefetch = true;
        private float[] mean = {0f};
        private float[] std = {1f};
        private int cropPadding;
        private boolean horizontalFlip;
        private IntConsumer beforeBatch;

        private Builder(Dataset dataset, int batchSize) {
            if (dataset == null) throw new IllegalArgumentException("dataset must not be null");
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            this.dataset = dataset;
            this.batchSize = batchSize;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Drop the last batch when it would have fewer than batchSize samples. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Fill batches on a background thread (default on); results are identical either way. */
        public Builder prefetch(boolean prefetch) {
            this.prefetch = prefetch;
            return this;
        }

        /** x = (pixel - mean) / std, with pixel in [0, 1], the same for every channel. */
        public Builder normalize(float mean, float std) {
            return normalize(new float[] {mean}, new float[] {std});
        }

        /** Per-channel normalisation (one value per channel, or one for all). */
        public Builder normalize(float[] mean, float[] std) {
            if (mean == null || std == null) throw new IllegalArgumentException("mean and std must not be null");
            int c = dataset.channels();
            if ((mean.length != 1 && mean.length != c) || (std.length != 1 && std.length != c)) {
                throw new IllegalArgumentException("mean and std need 1 or " + c + " values, got " + mean.length
                        + " and " + std.length);
            }
            for (float m : mean) if (!Float.isFinite(m)) throw new IllegalArgumentException("mean must be finite, got " + m);
            for (float s : std) if (!(s > 0f) || Float.isInfinite(s)) throw new IllegalArgumentException("std must be finite and > 0, got " + s);
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        /** Random crop of the original size from the image padded with {@code padding} zero pixels per side; 0 is off. */
        public Builder randomCrop(int padding) {
            if (padding < 0) throw new IllegalArgumentException("crop padding must be >= 0, got " + padding);
            if (padding > dataset.height() || padding > dataset.width()) {
                throw new IllegalArgumentException("crop padding " + padding + " exceeds the image size "
                        + dataset.height() + " x " + dataset.width());
            }
            this.cropPadding = padding;
            return this;
        }

        /** Mirror each image left-right with probability 1/2. */
        public Builder horizontalFlip(boolean flip) {
            this.horizontalFlip = flip;
            return this;
        }

        /** Test hook: runs where each batch is filled (on the producer thread with prefetch). */
        Builder beforeBatch(IntConsumer hook) {
            this.beforeBatch = hook;
            return this;
        }

        public DataLoader build() {
            if (dropLast && dataset.size() < batchSize) {
                throw new IllegalArgumentException(dataset.name() + " has " + dataset.size()
                        + " samples, fewer than one batch of " + batchSize + "; with dropLast no batch would remain");
            }
            if (dataset.size() == 0) throw new IllegalArgumentException(dataset.name() + " is empty");
            return new DataLoader(this);
        }
    }
}
