package dev.sparrow.data;

import java.util.SplittableRandom;

/**
 * Numenta's robustness test ("How Can We Be So Dense?"): in every image a fraction of the pixels,
 * chosen at random, is replaced by uniform random values in [0, 1] (a byte 0..255), before any
 * normalisation. Exactly round(fraction × pixels per image) pixels are replaced per image (a new
 * value may by chance equal the old one).
 *
 * <p>The positions and values for image i come only from (seed, i), so every model evaluated with
 * the same seed sees the same noisy images. They are drawn as a partial Fisher–Yates shuffle, each
 * position followed by its value, so for one seed a higher fraction corrupts a superset of the pixels
 * of a lower one, with the same values there.
 */
public final class PixelNoise {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private PixelNoise() {}

    /** Pixels replaced per image of {@code sampleSize} pixels. */
    public static int replacedPerImage(int sampleSize, double fraction) {
        checkFraction(fraction);
        return (int) Math.round(fraction * sampleSize);
    }

    /** A copy of {@code data} with noise at {@code fraction} in [0, 1]; fraction 0 returns {@code data} itself. */
    public static ImageDataset apply(Dataset dataset, double fraction, long seed) {
        if (dataset == null) throw new IllegalArgumentException("dataset is null");
        if (!(dataset instanceof ImageDataset data)) {
            throw new IllegalArgumentException("pixel noise needs images; " + dataset.name() + " is not an image dataset");
        }
        checkFraction(fraction);
        if (fraction == 0) return data;
        int size = data.sampleSize();
        int replaced = replacedPerImage(size, fraction);
        byte[] pixels = data.pixelBytes().clone();
        int[] labels = new int[data.size()];
        int[] order = new int[size];
        for (int i = 0; i < data.size(); i++) {
            labels[i] = data.label(i);
            for (int p = 0; p < size; p++) order[p] = p;
            SplittableRandom rng = new SplittableRandom(mix(seed, i));
            int base = i * size;
            for (int j = 0; j < replaced; j++) {
                int pick = j + rng.nextInt(size - j);
                int position = order[pick];
                order[pick] = order[j];
                order[j] = position;
                pixels[base + position] = (byte) rng.nextInt(256);
            }
        }
        return ImageDataset.of(data.name() + "+noise" + fraction, pixels, labels, data.channels(), data.height(), data.width(),
                data.classes());
    }

    private static void checkFraction(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) throw new IllegalArgumentException("noise fraction must be in [0, 1], got " + fraction);
    }

    /** A well-spread seed per image (SplitMix64 finaliser). */
    private static long mix(long seed, long index) {
        long z = seed + GOLDEN_GAMMA * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
