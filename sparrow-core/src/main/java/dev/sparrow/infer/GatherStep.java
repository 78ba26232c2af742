package dev.sparrow.infer;

/** A transpose or slice of each sample, as a gather through an index map computed at plan time; batch-major. */
final class GatherStep extends Step {
    private final int[] map;
    private final String what;

    GatherStep(String what, int[] map, int inFeatures) {
        super(inFeatures, map.length);
        this.map = map;
        this.what = what;
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        for (int s = 0; s < batch; s++) {
            int src = s * inFeatures, dst = s * outFeatures;
            for (int i = 0; i < outFeatures; i++) out[dst + i] = in[src + map[i]];
        }
    }

    @Override
    String describe() { return what + "(" + inFeatures + ")"; }
}
