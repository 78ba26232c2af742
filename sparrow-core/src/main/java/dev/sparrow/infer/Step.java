package dev.sparrow.infer;

/**
 * One stage of a session's plan, executed on the CPU: reads the workspace buffers of its input values and writes
 * the buffer of its output value (a different buffer; the planner assigns buffers by liveness, so a value read
 * by several steps, such as a residual block's input, stays until its last reader). Activations are either
 * batch-major [batch][features] or transposed [features][batch] (what the sparse spmm kernels read and write);
 * each step states the layout it reads and writes, and the planner inserts transposes where they differ.
 */
abstract class Step {
    final int inFeatures;
    final int outFeatures;
    /** Workspace buffers of the input values and of the output value, set once by the planner. */
    int[] inputs;
    int output;

    Step(int inFeatures, int outFeatures) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
    }

    final void bind(int[] inputs, int output) {
        this.inputs = inputs.clone();
        this.output = output;
    }

    /** True if this step reads [features][batch]; false for [batch][features]; null if it does not care. */
    abstract Boolean readsTransposed();

    /** The layout it writes, given the layout it read. */
    boolean writesTransposed(boolean inputTransposed) {
        Boolean r = readsTransposed();
        return r == null ? inputTransposed : r;
    }

    /** Runs the step on its buffers; steps of several inputs override it. */
    void execute(Workspace ws, int batch) {
        run(ws, ws.buffers[inputs[0]], ws.buffers[output], batch);
    }

    abstract void run(Workspace ws, float[] in, float[] out, int batch);

    /** The packed weights' format, or null for a step without weights. */
    String format() { return null; }

    /** One line for {@link InferenceSession#describe()}. */
    abstract String describe();
}
