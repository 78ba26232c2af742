package dev.sparrow.infer;

import dev.sparrow.kernel.TopK;

/** k-winners-take-all on its own (not after a Linear, where it is fused): each sample keeps its k largest. */
final class KWinnersStep extends Step {
    private final int k;

    KWinnersStep(int k, int features) {
        super(features, features);
        this.k = k;
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        System.arraycopy(in, 0, out, 0, batch * inFeatures);
        for (int s = 0; s < batch; s++) TopK.keepLargest(out, s * inFeatures, 1, inFeatures, k, ws.selection);
    }

    @Override
    String describe() { return "kWTA(k=" + k + ", " + inFeatures + ")"; }
}
