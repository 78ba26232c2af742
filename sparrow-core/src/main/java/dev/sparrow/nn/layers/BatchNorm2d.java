package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;

/** {@link BatchNorm} over NCHW: statistics per channel across the batch and all pixels. */
public final class BatchNorm2d extends BatchNorm {

    public BatchNorm2d(int channels) {
        this(channels, DEFAULT_EPS, DEFAULT_MOMENTUM);
    }

    public BatchNorm2d(int channels, double eps, double momentum) {
        super(channels, eps, momentum);
    }

    @Override
    protected int checkInput(Tensor x) {
        Buffers.requireRank(x, 4, describe(), "[batch, " + channels + ", height, width]");
        if (x.dim(1) != channels) {
            throw new IllegalArgumentException(describe() + ": expected " + channels + " channels but got input " + x.shapeString());
        }
        return x.dim(2) * x.dim(3);
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        Buffers.checkSampleShape(inputShape, 3, describe(), "[" + channels + ", height, width]");
        if (inputShape[0] != channels) {
            throw new IllegalArgumentException(describe() + ": expected " + channels + " channels but got sample shape "
                    + java.util.Arrays.toString(inputShape));
        }
        return inputShape.clone();
    }
}
