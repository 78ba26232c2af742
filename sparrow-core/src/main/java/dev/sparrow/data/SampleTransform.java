package dev.sparrow.data;

import java.util.SplittableRandom;

/**
 * Writes one example into a batch: normalised, and for images optionally cropped from a zero-padded
 * copy and mirrored left-right. Images go through a per-channel table of the normalised value of each
 * raw byte; other datasets copy their features and normalise them with one mean and std, or one per feature.
 */
final class SampleTransform {
    private final Dataset dataset;
    private final ImageDataset images; // null for a dataset that is not images
    private final float[][] lut;       // (channels, 256): normalised value of each raw pixel; images only
    private final float[] mean;        // other datasets only: one value, or one per feature
    private final float[] std;
    private final int cropPadding;
    private final boolean horizontalFlip;

    SampleTransform(Dataset dataset, float[] mean, float[] std, int cropPadding, boolean horizontalFlip) {
        this.dataset = dataset;
        this.images = dataset instanceof ImageDataset d ? d : null;
        this.cropPadding = cropPadding;
        this.horizontalFlip = horizontalFlip;
        this.mean = mean.clone();
        this.std = std.clone();
        if (images != null) {
            int c = images.channels();
            this.lut = new float[c][256];
            for (int ch = 0; ch < c; ch++) {
                float m = mean.length == 1 ? mean[0] : mean[ch];
                float s = std.length == 1 ? std[0] : std[ch];
                for (int v = 0; v < 256; v++) lut[ch][v] = (v / 255f - m) / s;
            }
        } else {
            this.lut = null;
        }
    }

    /** Writes {@code example} at {@code dst[offset..]}, drawing its augmentation from {@code rnd}. */
    void write(int example, SplittableRandom rnd, float[] dst, int offset) {
        if (images == null) {
            dataset.copyExample(example, dst, offset);
            int n = dataset.sampleSize();
            if (mean.length == 1) {
                float m = mean[0], s = std[0];
                for (int i = offset; i < offset + n; i++) dst[i] = (dst[i] - m) / s;
            } else {
                for (int f = 0; f < n; f++) dst[offset + f] = (dst[offset + f] - mean[f]) / std[f];
            }
            return;
        }
        // Fixed draw order (dy, dx, flip) keeps augmentation reproducible from the seed.
        int dy = cropPadding > 0 ? rnd.nextInt(2 * cropPadding + 1) : cropPadding;
        int dx = cropPadding > 0 ? rnd.nextInt(2 * cropPadding + 1) : cropPadding;
        boolean flip = horizontalFlip && rnd.nextBoolean();
        writeSample(images.pixelBytes(), example * images.sampleSize(), images.channels(), images.height(), images.width(),
                lut, cropPadding, dy, dx, flip, dst, offset);
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
}
