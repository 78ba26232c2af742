package dev.sparrow.infer;

/** The reference {@link ScatterKernels}: blocks of 8 channels, one lane at a time. */
final class ScalarScatterKernels implements ScatterKernels {
    static final ScalarScatterKernels INSTANCE = new ScalarScatterKernels();
    private static final int LANES = 8;

    private ScalarScatterKernels() {}

    @Override
    public int lanes() { return LANES; }

    @Override
    public String name() { return "scalar"; }

    @Override
    public void scatter(float[] acc, int base, int[] offset, float[] w, int from, int to, float v) {
        for (int p = from; p < to; p++) {
            int a = base + offset[p], q = p * LANES;
            for (int l = 0; l < LANES; l++) acc[a + l] += v * w[q + l];
        }
    }
}
