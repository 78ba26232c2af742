package dev.sparrow.infer;

/** Converts between [batch][features] and [features][batch]. */
final class TransposeStep extends Step {
    private final boolean toTransposed;

    TransposeStep(int features, boolean toTransposed) {
        super(features, features);
        this.toTransposed = toTransposed;
    }

    @Override
    Boolean readsTransposed() { return !toTransposed; }

    @Override
    boolean writesTransposed(boolean inputTransposed) { return toTransposed; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        transpose(in, out, batch, inFeatures, toTransposed);
    }

    /** batch-major [batch][features] to [features][batch] when {@code toTransposed}, else back. */
    static void transpose(float[] in, float[] out, int batch, int features, boolean toTransposed) {
        if (batch == 1) {
            System.arraycopy(in, 0, out, 0, features);
            return;
        }
        if (toTransposed) {
            for (int b = 0; b < batch; b++) {
                int src = b * features;
                for (int f = 0; f < features; f++) out[f * batch + b] = in[src + f];
            }
        } else {
            for (int f = 0; f < features; f++) {
                int src = f * batch;
                for (int b = 0; b < batch; b++) out[b * features + f] = in[src + b];
            }
        }
    }

    @Override
    String describe() { return toTransposed ? "transpose to [features][batch]" : "transpose to [batch][features]"; }
}
