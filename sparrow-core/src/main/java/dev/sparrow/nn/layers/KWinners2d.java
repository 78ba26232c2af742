package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;

import java.util.Locale;

/**
 * k-winners-take-all on feature maps [batch, channels, height, width], with one duty cycle per
 * channel. {@link #global}: the k = round(C·H·W × density) largest of each sample's C·H·W values
 * win. {@link #local}: at every location, the k = round(C × density) largest channels win. See
 * {@link AbstractKWinners} for boosting, duty cycles and evaluation.
 */
public final class KWinners2d extends AbstractKWinners {
    private final boolean local;

    private KWinners2d(int channels, double density, boolean local, KWinnersOptions options) {
        super(channels, density, options);
        this.local = local;
    }

    /** Winners over each sample's channels × height × width. */
    public static KWinners2d global(int channels, double density, KWinnersOptions options) {
        return new KWinners2d(channels, density, false, options);
    }

    /** Winners over the channels at each location. */
    public static KWinners2d local(int channels, double density, KWinnersOptions options) {
        return new KWinners2d(channels, density, true, options);
    }

    public int channels() { return units(); }

    /** Whether the winners are chosen per location over channels (else over the whole sample). */
    public boolean isLocal() { return local; }

    @Override
    Geometry geometry(Tensor x) {
        Buffers.requireRank(x, 4, describe(), "[batch, " + units() + ", height, width]");
        if (x.dim(1) != units()) {
            throw new IllegalArgumentException(describe() + ": expected input [batch, " + units() + ", height, width] but got "
                    + x.shapeString());
        }
        int hw = x.dim(2) * x.dim(3);
        if (hw < 1) throw new IllegalArgumentException(describe() + ": empty feature map in input " + x.shapeString());
        return local ? new Geometry(hw, units(), 1, hw, 1, hw) : new Geometry(1, units() * hw, 0, 1, hw, hw);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 3, describe(), "[" + units() + ", height, width]");
        if (inputShape[0] != units()) {
            throw new IllegalArgumentException(describe() + ": expected " + units() + " channels but got " + inputShape[0]);
        }
        return inputShape.clone();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "KWinners2d(%d, density=%s, %s)", units(), density(), local ? "local" : "global");
    }
}
