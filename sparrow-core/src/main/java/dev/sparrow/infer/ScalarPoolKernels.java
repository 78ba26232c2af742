package dev.sparrow.infer;

/** The reference {@link PoolKernels}. */
final class ScalarPoolKernels implements PoolKernels {
    static final ScalarPoolKernels INSTANCE = new ScalarPoolKernels();

    private ScalarPoolKernels() {}

    @Override
    public String name() { return "scalar"; }

    @Override
    public void max2x2Row(float[] x, int r0, int r1, float[] out, int o, int ow) {
        for (int ox = 0, i = 0; ox < ow; ox++, i += 2) {
            out[o + ox] = Math.max(Math.max(x[r0 + i], x[r0 + i + 1]), Math.max(x[r1 + i], x[r1 + i + 1]));
        }
    }
}
