package dev.sparrow.infer;

import dev.sparrow.nn.Layer;
import dev.sparrow.tensor.Tensor;

/**
 * Any other layer (Conv2d, BatchNorm, pooling, residual blocks): runs the layer's own eval-mode forward
 * on batch-major activations. A layer keeps per-call state and output buffers, so calls on the same
 * layer are serialized; sessions whose plans contain such steps are thread-safe but do not run these
 * steps concurrently.
 */
final class LayerStep extends Step {
    final int slot;
    private final Layer layer;
    final int[] inShape;

    LayerStep(int slot, Layer layer, int[] inShape, int[] outShape) {
        super(Tensor.checkedSize(inShape), Tensor.checkedSize(outShape));
        this.slot = slot;
        this.layer = layer;
        this.inShape = inShape.clone();
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        Tensor staged = ws.staging(slot, batch, inShape);
        System.arraycopy(in, 0, staged.data(), 0, batch * inFeatures);
        synchronized (layer) {
            Tensor y = layer.forward(staged, ws.context());
            if (y.size() != batch * outFeatures) {
                throw new IllegalStateException(layer.describe() + ": produced " + y.shapeString() + ", expected "
                        + batch + " x " + outFeatures + " values");
            }
            System.arraycopy(y.data(), 0, out, 0, batch * outFeatures);
        }
    }

    @Override
    String describe() { return layer.describe() + " (layer's own forward)"; }
}
