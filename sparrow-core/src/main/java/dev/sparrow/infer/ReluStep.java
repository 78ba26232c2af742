package dev.sparrow.infer;

/** A ReLU that does not follow a Linear (so could not be fused); works in either layout. */
final class ReluStep extends Step {
    ReluStep(int features) {
        super(features, features);
    }

    @Override
    Boolean readsTransposed() { return null; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        int n = batch * inFeatures;
        for (int i = 0; i < n; i++) {
            float v = in[i];
            out[i] = v < 0f ? 0f : v;
        }
    }

    @Override
    String describe() { return "ReLU(" + inFeatures + ")"; }
}
