package dev.sparrow.nn.layers;

import dev.sparrow.tensor.Tensor;

import java.util.Arrays;

/**
 * Reuse of a layer's output and gradient buffers: a buffer is kept while the batch size and the
 * per-sample shape are unchanged, so steady-state training allocates nothing.
 */
final class Buffers {
    private Buffers() {}

    /** {@code current} if it has shape [batch, sample...], otherwise a fresh zero tensor of that shape. */
    static Tensor ensure(Tensor current, int batch, int[] sample) {
        if (current != null && hasShape(current, batch, sample)) return current;
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return Tensor.zeros(shape);
    }

    static boolean hasShape(Tensor t, int batch, int[] sample) {
        return t.rank() == sample.length + 1 && t.dim(0) == batch && sampleShapeEquals(t, sample);
    }

    /** Whether dims 1.. of {@code t} equal {@code sample}, without copying the shape. */
    static boolean sampleShapeEquals(Tensor t, int[] sample) {
        if (sample == null || t.rank() != sample.length + 1) return false;
        for (int i = 0; i < sample.length; i++) {
            if (t.dim(i + 1) != sample[i]) return false;
        }
        return true;
    }

    /** Dims 1.. of {@code t}. */
    static int[] sampleShape(Tensor t) {
        int[] s = t.shape();
        return Arrays.copyOfRange(s, 1, s.length);
    }

    static void requireRank(Tensor t, int rank, String layer, String expected) {
        if (t == null) throw new IllegalArgumentException(layer + ": input is null");
        if (t.rank() != rank) {
            throw new IllegalArgumentException(layer + ": expected input " + expected + " but got " + t.shapeString());
        }
        if (t.dim(0) < 1) throw new IllegalArgumentException(layer + ": empty batch in input " + t.shapeString());
    }

    static void requireGradShape(Tensor grad, Tensor output, String layer) {
        if (output == null) throw new IllegalStateException(layer + ": backward called before forward");
        if (grad == null) throw new IllegalArgumentException(layer + ": gradOutput is null");
        if (grad.rank() != output.rank() || grad.size() != output.size()) {
            throw new IllegalArgumentException(layer + ": gradOutput " + grad.shapeString()
                    + " does not match the last output " + output.shapeString());
        }
        for (int i = 0; i < grad.rank(); i++) {
            if (grad.dim(i) != output.dim(i)) {
                throw new IllegalArgumentException(layer + ": gradOutput " + grad.shapeString()
                        + " does not match the last output " + output.shapeString());
            }
        }
    }

    static int[] checkSampleShape(int[] inputShape, int rank, String layer, String expected) {
        if (inputShape == null || inputShape.length != rank) {
            throw new IllegalArgumentException(layer + ": expected a sample shape " + expected + " but got "
                    + Arrays.toString(inputShape));
        }
        return inputShape;
    }
}
