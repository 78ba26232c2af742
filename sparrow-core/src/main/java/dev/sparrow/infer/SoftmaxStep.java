package dev.sparrow.infer;

/** Softmax along one axis of batch-major samples [outer, dim, inner]. */
final class SoftmaxStep extends Step {
    private final int outer, dim, inner;

    SoftmaxStep(int outer, int dim, int inner) {
        super(outer * dim * inner, outer * dim * inner);
        this.outer = outer;
        this.dim = dim;
        this.inner = inner;
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] x, float[] out, int batch) {
        for (int o = 0; o < batch * outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * dim * inner + i;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < dim; k++) max = Math.max(max, x[base + k * inner]);
                double sum = 0;
                for (int k = 0; k < dim; k++) {
                    float e = (float) Math.exp(x[base + k * inner] - max);
                    out[base + k * inner] = e;
                    sum += e;
                }
                float inv = (float) (1 / sum);
                for (int k = 0; k < dim; k++) out[base + k * inner] *= inv;
            }
        }
    }

    @Override
    String describe() { return "Softmax(" + dim + ")"; }
}
