package dev.sparrow.infer;

/** The reference {@link WinnerKernels}: plain branch-free loops. */
final class ScalarWinnerKernels implements WinnerKernels {
    static final ScalarWinnerKernels INSTANCE = new ScalarWinnerKernels();

    private ScalarWinnerKernels() {}

    @Override
    public String name() { return "scalar"; }

    @Override
    public long bracket(float[] x, int off, int n, float lo, float hi, float[] inside, int insideOff) {
        int above = 0, m = insideOff, nan = 0;
        for (int e = 0; e < n; e++) {
            float v = x[off + e];
            inside[m] = v;
            m += v >= lo & v <= hi ? 1 : 0;
            above += v > hi ? 1 : 0;
            nan |= v != v ? 1 : 0;
        }
        return (m - insideOff) | (long) above << 31 | (nan != 0 ? NAN_SEEN : 0);
    }

    @Override
    public void keepAtLeast(float[] x, float[] out, int off, int n, float t) {
        for (int e = off; e < off + n; e++) {
            float v = x[e];
            out[e] = v >= t ? v : 0f;
        }
    }
}
