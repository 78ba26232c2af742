package dev.sparrow.infer;

/**
 * Per-channel work on batch-major [C, inner...] samples: a batch norm not folded into a convolution
 * (y = x · scale[c] + shift[c]) or a global average pool ([C, inner] to [C]).
 */
final class ChannelStep extends Step {
    private final int channels;
    private final int inner;
    private final float[] scale; // null for the average pool
    private final float[] shift;

    private ChannelStep(int channels, int inner, float[] scale, float[] shift) {
        super(channels * inner, scale == null ? channels : channels * inner);
        this.channels = channels;
        this.inner = inner;
        this.scale = scale;
        this.shift = shift;
    }

    static ChannelStep batchNorm(float[] scale, float[] shift, int inner) {
        return new ChannelStep(scale.length, inner, scale.clone(), shift.clone());
    }

    static ChannelStep globalAverage(int channels, int inner) {
        return new ChannelStep(channels, inner, null, null);
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] in, float[] out, int batch) {
        for (int r = 0; r < batch * channels; r++) {
            int c = r % channels, base = r * inner;
            if (scale == null) {
                float acc = 0f;
                for (int i = 0; i < inner; i++) acc += in[base + i];
                out[r] = acc / inner;
            } else {
                float a = scale[c], b = shift[c];
                for (int i = 0; i < inner; i++) out[base + i] = in[base + i] * a + b;
            }
        }
    }

    @Override
    String describe() {
        return scale == null ? "GlobalAveragePool(" + channels + "x" + inner + ")" : "BatchNorm(" + channels + "x" + inner + ")";
    }
}
