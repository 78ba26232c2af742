package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;

/** {@link BatchNorm} over [batch, features]: statistics per feature across the batch. */
public final class BatchNorm1d extends BatchNorm {

    public BatchNorm1d(int features) {
        this(features, DEFAULT_EPS, DEFAULT_MOMENTUM);
    }

    public BatchNorm1d(int features, double eps, double momentum) {
        super(features, eps, momentum);
    }

    @Override
    protected int checkInput(Tensor x) {
        Buffers.requireRank(x, 2, describe(), "[batch, " + channels + "]");
        if (x.dim(1) != channels) {
            throw new IllegalArgumentException(describe() + ": expected input [batch, " + channels + "] but got " + x.shapeString());
        }
        return 1;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 1, describe(), "[" + channels + "]");
        if (inputShape[0] != channels) {
            throw new IllegalArgumentException(describe() + ": expected sample shape [" + channels + "] but got [" + inputShape[0] + "]");
        }
        return inputShape.clone();
    }
}
