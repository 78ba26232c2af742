package dev.sparrow.nn.layers;

import dev.sparrow.nn.ExecutionContext;
import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

/**
 * [batch, d1, d2, ...] to [batch, d1·d2·...]. Returns views over the caller's arrays (no copy); the
 * views are cached so that steady-state steps allocate nothing.
 */
public final class Flatten implements Layer {
    private int[] inShape;       // full shape of the last input
    private Tensor outputView;   // view of the last input
    private Tensor gradView;     // view of the last gradOutput

    @Override
    public Tensor forward(Tensor x, ExecutionContext ctx) {
        if (x == null || x.rank() < 1) throw new IllegalArgumentException(describe() + ": expected a batch-first input, got " + x);
        if (outputView == null || outputView.data() != x.data() || !sameShape(x, inShape)) {
            inShape = x.shape();
            outputView = x.reshape(x.dim(0), x.rowSize());
        }
        return outputView;
    }

    @Override
    public Tensor backward(Tensor gradOut, ExecutionContext ctx) {
        Buffers.requireGradShape(gradOut, outputView, describe());
        if (gradView == null || gradView.data() != gradOut.data() || !sameShape(gradView, inShape)) {
            gradView = gradOut.reshape(inShape);
        }
        return gradView;
    }

    private static boolean sameShape(Tensor t, int[] shape) {
        if (shape == null || t.rank() != shape.length) return false;
        for (int i = 0; i < shape.length; i++) if (t.dim(i) != shape[i]) return false;
        return true;
    }

    @Override
    public int[] outputShape(int[] inputShape) {
        return new int[] {Tensor.checkedSize(inputShape)};
    }

    @Override
    public String describe() {
        return "Flatten";
    }
}
