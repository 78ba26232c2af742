package dev.sparrow.data;

import dev.sparrow.tensor.Tensor;

/**
 * One batch from a {@link DataLoader}: inputs {@code x} of shape [count, sample shape...] (images: [count, c, h, w]) and their labels.
 * Batches are recycled: one is valid until the next call to {@code next()} of its epoch, the next
 * {@code epoch(...)} call, or {@code close()}; copy what must outlive that.
 */
public final class Batch {
    private final Tensor fullX;        // (batchSize, sample shape...)
    private final int[] fullLabels;    // (batchSize,)
    private final Tensor partialX;     // (remainder, sample shape...), or null when every batch is full
    private final int[] partialLabels; // (remainder,), or null
    private int count;
    private int epoch;
    private int index;

    Batch(int batchSize, int remainder, int[] sampleShape) {
        this.fullX = Tensor.zeros(batchShape(batchSize, sampleShape));
        this.fullLabels = new int[batchSize];
        this.partialX = remainder > 0 ? Tensor.zeros(batchShape(remainder, sampleShape)) : null;
        this.partialLabels = remainder > 0 ? new int[remainder] : null;
        this.count = batchSize;
    }

    private static int[] batchShape(int count, int[] sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = count;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }

    /** Selects the buffers for a batch of {@code count} samples. */
    void prepare(int count, int epoch, int index) {
        if (count != fullLabels.length && (partialLabels == null || count != partialLabels.length)) {
            throw new IllegalStateException("no buffer for a batch of " + count);
        }
        this.count = count;
        this.epoch = epoch;
        this.index = index;
    }

    /** The inputs, [count, sample shape...]. */
    public Tensor x() { return count == fullLabels.length ? fullX : partialX; }

    /** The labels, one per sample (length {@link #count()}). */
    public int[] labels() { return count == fullLabels.length ? fullLabels : partialLabels; }

    /** Number of samples: the batch size, or fewer for the last batch of an epoch. */
    public int count() { return count; }

    /** The epoch this batch belongs to. */
    public int epoch() { return epoch; }

    /** Position of this batch within its epoch, from 0. */
    public int index() { return index; }

    @Override
    public String toString() {
        return "Batch[epoch " + epoch + ", #" + index + ", " + count + " samples]";
    }
}
