package dev.sparrow.infer;

/** A mean over some axes of each sample: each element added into its output element (map from plan time). */
final class ReduceMeanStep extends Step {
    private final int[] map;
    private final float inverseCount;

    ReduceMeanStep(int[] map, int outFeatures) {
        super(map.length, outFeatures);
        this.map = map;
        this.inverseCount = (float) ((double) outFeatures / map.length);
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        java.util.Arrays.fill(out, 0, batch * outFeatures, 0f);
        for (int s = 0; s < batch; s++) {
            int src = s * inFeatures, dst = s * outFeatures;
            for (int i = 0; i < inFeatures; i++) out[dst + map[i]] += in[src + i];
        }
        for (int i = 0; i < batch * outFeatures; i++) out[i] *= inverseCount;
    }

    @Override
    String describe() { return "ReduceMean(" + inFeatures + "->" + outFeatures + ")"; }
}
