package dev.sparrow.sparse;

/** Plain loops: the reference of {@link SparseTrainingKernels} and the test oracle of the vector kernels. */
final class ScalarSparseTrainingKernels implements SparseTrainingKernels {
    static final ScalarSparseTrainingKernels INSTANCE = new ScalarSparseTrainingKernels();

    private ScalarSparseTrainingKernels() {}

    @Override public String name() { return "scalar"; }

    @Override
    public void backward(int[] rowPtr, char[] cols, float[] w, float[] dyt, float[] xt, int batch, float[] dw,
                         float[] dxt, int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int dy = r * batch;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int xo = cols[k] * batch;
                float wk = w[k];
                float s = 0f;
                for (int b = 0; b < batch; b++) {
                    float g = dyt[dy + b];
                    s += g * xt[xo + b];
                    dxt[xo + b] += wk * g;
                }
                dw[k] += s;
            }
        }
    }

    @Override
    public void weightGradient(int[] rowPtr, char[] cols, float[] dyt, float[] xt, int batch, float[] dw,
                               int rowFrom, int rowTo) {
        for (int r = rowFrom; r < rowTo; r++) {
            int dy = r * batch;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int xo = cols[k] * batch;
                float s = 0f;
                for (int b = 0; b < batch; b++) s += dyt[dy + b] * xt[xo + b];
                dw[k] += s;
            }
        }
    }
}
