package dev.sparrow.data;

import java.util.SplittableRandom;

/**
 * The order of the examples in each epoch: shuffled (Fisher-Yates) by a random stream derived from
 * (seed, epoch) only, so any epoch can be reproduced alone; or the dataset's own order.
 */
final class EpochOrder {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final boolean shuffle;
    private final int[] order; // (size,) example indices in the current epoch's order

    EpochOrder(int size, long seed, boolean shuffle) {
        this.seed = seed;
        this.shuffle = shuffle;
        this.order = new int[size];
    }

    /**
     * Orders the examples for {@code epoch} and returns the epoch's second stream, for augmentation;
     * both streams are split from one (seed, epoch) generator in a fixed order.
     */
    SplittableRandom start(int epoch) {
        SplittableRandom epochRandom = new SplittableRandom(mix64(seed + GOLDEN_GAMMA * (epoch + 1L)));
        SplittableRandom shuffleRandom = epochRandom.split();
        SplittableRandom augmentRandom = epochRandom.split();
        for (int i = 0; i < order.length; i++) order[i] = i;
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = shuffleRandom.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return augmentRandom;
    }

    /** The example at {@code position} of the current epoch. */
    int example(int position) { return order[position]; }

    int size() { return order.length; }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
