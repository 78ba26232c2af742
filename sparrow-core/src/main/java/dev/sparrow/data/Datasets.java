package dev.sparrow.data;

import java.util.SplittableRandom;

/** Operations over any {@link Dataset}: a seeded hold-out split and the statistics for normalisation. */
public final class Datasets {
    private Datasets() {}

    /**
     * Two disjoint parts of a data set.
     *
     * @param kept     the examples not held out
     * @param heldOut  the held-out examples
     */
    public record Split(Dataset kept, Dataset heldOut) {}

    /**
     * Holds out {@code fraction} of {@code data}'s examples, drawn with {@code seed} (the same seed gives
     * the same split), each part keeping the original order.
     *
     * @param data     the data set
     * @param fraction in [0, 1); 0 holds out nothing (heldOut is then null)
     * @param seed     the draw's seed
     * @return the parts
     */
    public static Split holdOut(Dataset data, double fraction, long seed) {
        if (!(fraction >= 0 && fraction < 1)) throw new IllegalArgumentException("validation fraction is " + fraction + "; expected in [0, 1)");
        int n = data.size();
        int held = (int) Math.round(n * fraction);
        if (held == 0) return new Split(data, null);
        if (held >= n) throw new IllegalArgumentException(data.name() + ": holding out " + fraction + " of " + n + " examples leaves none to train on");
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x7A11_DA7AL);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        boolean[] isHeld = new boolean[n];
        for (int i = 0; i < held; i++) isHeld[order[i]] = true;
        int[] keep = new int[n - held];
        int[] out = new int[held];
        for (int i = 0, k = 0, h = 0; i < n; i++) {
            if (isHeld[i]) out[h++] = i;
            else keep[k++] = i;
        }
        return new Split(data.subset(data.name() + "-train", keep), data.subset(data.name() + "-validation", out));
    }

    /**
     * The mean and standard deviation of every feature value of {@code data} (pixels in [0, 1]), for
     * {@code (x - mean) / std}; a constant data set gets std 1.
     *
     * @param data the training data
     * @return {mean, std}
     */
    public static float[] meanStd(Dataset data) {
        int s = data.sampleSize();
        float[] buf = new float[s];
        double sum = 0;
        double sq = 0;
        long count = 0;
        for (int i = 0; i < data.size(); i++) {
            data.copyExample(i, buf, 0);
            for (float v : buf) {
                sum += v;
                sq += (double) v * v;
            }
            count += s;
        }
        double mean = count == 0 ? 0 : sum / count;
        double var = count == 0 ? 0 : Math.max(0, sq / count - mean * mean);
        double std = Math.sqrt(var);
        return new float[] {(float) mean, std > 1e-12 ? (float) std : 1f};
    }

    /**
     * The normalisation a model trained on {@code data} records: images get one mean and std over every pixel (their
     * values share one scale), feature data one mean and std per feature (columns of a CSV file often have scales
     * far apart, and one figure for all would flatten the small ones). A constant feature gets std 1.
     *
     * @param data the training data
     * @return {mean, std}: arrays of length 1 (images) or {@link Dataset#sampleSize()} (features)
     */
    public static float[][] normalization(Dataset data) {
        if (data instanceof ImageDataset) {
            float[] ms = meanStd(data);
            return new float[][] {{ms[0]}, {ms[1]}};
        }
        int s = data.sampleSize();
        float[] buf = new float[s];
        double[] sum = new double[s];
        double[] sq = new double[s];
        for (int i = 0; i < data.size(); i++) {
            data.copyExample(i, buf, 0);
            for (int f = 0; f < s; f++) {
                sum[f] += buf[f];
                sq[f] += (double) buf[f] * buf[f];
            }
        }
        float[] mean = new float[s];
        float[] std = new float[s];
        int n = data.size();
        for (int f = 0; f < s; f++) {
            double m = n == 0 ? 0 : sum[f] / n;
            double sd = Math.sqrt(n == 0 ? 0 : Math.max(0, sq[f] / n - m * m));
            mean[f] = (float) m;
            std[f] = sd > 1e-12 * Math.max(1, Math.abs(m)) ? (float) sd : 1f;
        }
        return new float[][] {mean, std};
    }
}
