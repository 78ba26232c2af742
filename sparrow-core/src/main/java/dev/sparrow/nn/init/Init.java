package dev.sparrow.nn.init;

import dev.sparrow.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Weight initialisers, each seeded by the {@link SplittableRandom} passed in (never a global random).
 * Fan-in and fan-out follow PyTorch: for a weight [out, in] they are in and out; for a convolution
 * weight [cout, cin, kh, kw] they are cin·kh·kw and cout·kh·kw.
 *
 * <p>Sparrow's layers default to {@link #kaimingNormal} with fan-in and the ReLU gain √2
 * (He et al. 2015): hidden layers are followed by ReLU, and this keeps the activation variance
 * constant through depth, which PyTorch's default (Kaiming uniform with a = √5, i.e. variance
 * 1/(3·fan_in)) does not. {@link #pytorchDefault} is there to reproduce PyTorch runs.
 */
public final class Init {
    /** The gain of ReLU: √2. */
    public static final double RELU_GAIN = Math.sqrt(2.0);

    private Init() {}

    /** Fan-in of a weight of shape [out, in, ...]: in times the receptive field size. */
    public static int fanIn(Tensor w) {
        requireRankAtLeast2(w);
        return w.dim(1) * receptiveField(w);
    }

    /** Fan-out of a weight of shape [out, in, ...]: out times the receptive field size. */
    public static int fanOut(Tensor w) {
        requireRankAtLeast2(w);
        return w.dim(0) * receptiveField(w);
    }

    /** Normal with std = gain / √fan_in. */
    public static void kaimingNormal(Tensor w, double gain, SplittableRandom rng) {
        double std = gain / Math.sqrt(positive(fanIn(w), "fan-in"));
        fillNormal(w, std, rng);
    }

    /** Uniform on ±gain·√(3 / fan_in) (same variance as {@link #kaimingNormal}). */
    public static void kaimingUniform(Tensor w, double gain, SplittableRandom rng) {
        double bound = gain * Math.sqrt(3.0 / positive(fanIn(w), "fan-in"));
        fillUniform(w, bound, rng);
    }

    /** Uniform on ±gain·√(6 / (fan_in + fan_out)) (Glorot and Bengio 2010). */
    public static void xavierUniform(Tensor w, double gain, SplittableRandom rng) {
        double bound = gain * Math.sqrt(6.0 / positive(fanIn(w) + fanOut(w), "fan-in + fan-out"));
        fillUniform(w, bound, rng);
    }

    /** Normal with std = gain·√(2 / (fan_in + fan_out)). */
    public static void xavierNormal(Tensor w, double gain, SplittableRandom rng) {
        double std = gain * Math.sqrt(2.0 / positive(fanIn(w) + fanOut(w), "fan-in + fan-out"));
        fillNormal(w, std, rng);
    }

    /**
     * PyTorch's default for nn.Linear and nn.Conv2d weights: Kaiming uniform with a = √5, which is
     * uniform on ±1/√fan_in.
     */
    public static void pytorchDefault(Tensor w, SplittableRandom rng) {
        fillUniform(w, 1.0 / Math.sqrt(positive(fanIn(w), "fan-in")), rng);
    }

    public static void fillNormal(Tensor w, double std, SplittableRandom rng) {
        if (!(std >= 0) || Double.isInfinite(std)) throw new IllegalArgumentException("std must be finite and >= 0, got " + std);
        float[] d = w.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) (rng.nextGaussian() * std);
    }

    public static void fillUniform(Tensor w, double bound, SplittableRandom rng) {
        if (!(bound >= 0) || Double.isInfinite(bound)) throw new IllegalArgumentException("bound must be finite and >= 0, got " + bound);
        float[] d = w.data();
        for (int i = 0; i < d.length; i++) d[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
    }

    private static int receptiveField(Tensor w) {
        int r = 1;
        for (int i = 2; i < w.rank(); i++) r *= w.dim(i);
        return r;
    }

    private static void requireRankAtLeast2(Tensor w) {
        if (w.rank() < 2) throw new IllegalArgumentException("fan-in/fan-out need a weight of rank >= 2, got " + w.shapeString());
    }

    private static int positive(int v, String what) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be positive, got " + v);
        return v;
    }
}
