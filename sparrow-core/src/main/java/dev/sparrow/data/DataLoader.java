package dev.sparrow.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
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
 * <p>Three parts do the work: {@link EpochOrder} (the seeded order of each epoch),
 * {@link SampleTransform} (normalisation, crop and flip) and {@link Prefetcher} (a producer thread per
 * epoch filling batches ahead of the consumer through a queue of depth {@value #PREFETCH_DEPTH}, from a
 * fixed ring of recycled batches, so the steady state allocates nothing; an exception in the producer
 * is rethrown by the consumer's {@code next()}). One consumer thread only. Close the loader (or use
 * try-with-resources) to stop the producer.
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
    public static final int PREFETCH_DEPTH = Prefetcher.DEPTH;
    private static final AtomicInteger LOADER_IDS = new AtomicInteger();

    private final Dataset dataset;
    private final int batchSize;
    private final boolean dropLast;
    private final int batches;
    private final EpochOrder order;
    private final SampleTransform transform;
    private final Prefetcher prefetcher;
    private final IntConsumer beforeBatch; // test hook, runs where batches are filled
    private final String threadName;

    private SplittableRandom augmentRandom;
    private Epoch currentEpoch;
    private boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.beforeBatch = b.beforeBatch;
        int n = dataset.size();
        this.batches = dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
        int remainder = dropLast ? 0 : n % batchSize;
        this.order = new EpochOrder(n, b.seed, b.shuffle);
        this.transform = new SampleTransform(dataset, b.mean, b.std, b.cropPadding, b.horizontalFlip);
        this.threadName = "sparrow-prefetch-" + LOADER_IDS.incrementAndGet();
        // a batch larger than the data set never fills: buffers for the samples there are, not for 1,000,000
        int bufferBatch = dropLast ? batchSize : Math.min(batchSize, Math.max(1, n));
        this.prefetcher = new Prefetcher(b.prefetch, bufferBatch, remainder, dataset.sampleShape(), this::fill, threadName,
                dataset.name());
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
        prefetcher.stop(); // before the order changes under a running producer
        augmentRandom = order.start(epoch);
        currentEpoch = new Epoch(epoch);
        prefetcher.start(epoch, batches);
        return currentEpoch;
    }

    /** Stops the producer thread, if any, and waits for it. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        prefetcher.stop();
        currentEpoch = null;
    }

    private void fill(Batch batch, int epoch, int index) {
        if (beforeBatch != null) beforeBatch.accept(index);
        int start = index * batchSize;
        int count = Math.min(batchSize, order.size() - start);
        batch.prepare(count, epoch, index);
        float[] x = batch.x().data();
        int[] labels = batch.labels();
        int sampleSize = dataset.sampleSize();
        SplittableRandom rnd = augmentRandom;
        for (int j = 0; j < count; j++) {
            int example = order.example(start + j);
            labels[j] = dataset.label(example);
            transform.write(example, rnd, x, j * sampleSize);
        }
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
            Batch b;
            try {
                b = prefetcher.next(number, delivered);
            } catch (IllegalStateException e) {
                if (prefetcher.producerFailed()) delivered = batches; // nothing more will come
                throw e;
            }
            delivered++;
            return b;
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

        /** Per-channel (images) or per-feature (other data) normalisation: one value per channel or feature, or one for all. */
        public Builder normalize(float[] mean, float[] std) {
            if (mean == null || std == null) throw new IllegalArgumentException("mean and std must not be null");
            int c = dataset instanceof ImageDataset images ? images.channels() : dataset.sampleSize();
            if ((mean.length != 1 && mean.length != c) || (std.length != 1 && std.length != c)) {
                throw new IllegalArgumentException("mean and std need 1 or " + c + (dataset instanceof ImageDataset ? " (channels)"
                        : " (features)") + " values, got " + mean.length + " and " + std.length);
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
            if (padding == 0) {
                this.cropPadding = 0;
                return this;
            }
            ImageDataset images = images("a random crop");
            if (padding > images.height() || padding > images.width()) {
                throw new IllegalArgumentException("crop padding " + padding + " exceeds the image size "
                        + images.height() + " x " + images.width());
            }
            this.cropPadding = padding;
            return this;
        }

        /** Mirror each image left-right with probability 1/2. */
        public Builder horizontalFlip(boolean flip) {
            if (flip) images("a horizontal flip");
            this.horizontalFlip = flip;
            return this;
        }

        private ImageDataset images(String what) {
            if (dataset instanceof ImageDataset images) return images;
            throw new IllegalArgumentException(what + " needs images; " + dataset.name() + " is not an image dataset");
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
