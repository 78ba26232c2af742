package dev.sparrow.infer;

/** Joins values along an axis: per sample, each input's chunks of (its extent on the axis × inner) in turn. */
final class ConcatStep extends Step {
    private final int outer; // per sample: the product of the axes before the joined one
    private final int[] chunks; // per input: its extent on the axis × the product of the axes after it
    private final int[] sizes;  // per input: its sample size

    ConcatStep(int outer, int[] chunks, int outFeatures) {
        super(outFeatures, outFeatures);
        this.outer = outer;
        this.chunks = chunks.clone();
        this.sizes = new int[chunks.length];
        for (int i = 0; i < chunks.length; i++) sizes[i] = outer * chunks[i];
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void execute(Workspace ws, int batch) {
        float[] out = ws.buffers[output];
        int row = outFeatures / outer;
        for (int s = 0; s < batch; s++) {
            int offset = 0;
            for (int k = 0; k < inputs.length; k++) {
                float[] in = ws.buffers[inputs[k]];
                for (int o = 0; o < outer; o++) {
                    System.arraycopy(in, s * sizes[k] + o * chunks[k], out, s * outFeatures + o * row + offset, chunks[k]);
                }
                offset += chunks[k];
            }
        }
    }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        throw new UnsupportedOperationException("ConcatStep runs through execute");
    }

    @Override
    String describe() { return "Concat(" + chunks.length + " values -> " + outFeatures + ")"; }
}
