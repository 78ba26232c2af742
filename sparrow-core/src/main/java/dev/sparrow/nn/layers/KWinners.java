package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;

import java.util.Locale;

/**
 * k-winners-take-all over the features of each sample, input [batch, units]: an activation that keeps
 * the k = round(units × density) largest (boosted) values of a sample and zeroes the rest. See
 * {@link AbstractKWinners} for boosting, duty cycles and evaluation.
 */
public final class KWinners extends AbstractKWinners {

    public KWinners(int units, double density) {
        this(units, density, KWinnersOptions.defaults());
    }

    public KWinners(int units, double density, KWinnersOptions options) {
        super(units, density, options);
    }

    /** Training winners per sample. */
    public int k() { return k(units()); }

    /** Evaluation winners per sample. */
    public int kInference() { return kInference(units()); }

    @Override
    Geometry geometry(Tensor x) {
        Buffers.requireRank(x, 2, describe(), "[batch, " + units() + "]");
        if (x.dim(1) != units()) {
            throw new IllegalArgumentException(describe() + ": expected input [batch, " + units() + "] but got " + x.shapeString());
        }
        return new Geometry(1, units(), 0, 1, 1, 1);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 1, describe(), "[" + units() + "]");
        if (inputShape[0] != units()) {
            throw new IllegalArgumentException(describe() + ": expected a sample shape [" + units() + "] but got [" + inputShape[0] + "]");
        }
        return inputShape.clone();
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "KWinners(%d, k=%d, k_inf=%d)", units(), k(), kInference());
    }
}
