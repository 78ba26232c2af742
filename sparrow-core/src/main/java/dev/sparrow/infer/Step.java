package dev.sparrow.infer;

/**
 * One stage of a session's plan: reads {@code batch} samples from {@code in} and writes them to
 * {@code out} (distinct arrays of the workspace). Activations are either batch-major [batch][features]
 * or transposed [features][batch] (what the sparse spmm kernels read and write); each step states the
 * layout it reads and writes, and the planner inserts transposes where they differ.
 */
abstract class Step {
    final int inFeatures;
    final int outFeatures;

    Step(int inFeatures, int outFeatures) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    /** True if this step reads [features][batch]; false for [batch][features]; null if it does not care. */
    abstract Boolean readsTransposed();

    /** The layout it writes, given the layout it read. */
    boolean writesTransposed(boolean inputTransposed) {
        Boolean r = readsTransposed();
        return r == null ? inputTransposed : r;
    }

    abstract void run(Workspace ws, float[] in, float[] out, int batch);

    /** One line for {@link InferenceSession#describe()}. */
    abstract String describe();
}
