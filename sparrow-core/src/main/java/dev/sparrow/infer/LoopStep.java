package dev.sparrow.infer;

import dev.sparrow.graph.Op;

/**
 * A Dense over a sample of rank > 1 or a convolution the im2col kernels do not cover (groups, dilations,
 * uneven strides or pads), as plain loops over batch-major values: correct, not fast.
 */
final class LoopStep extends Step {
    private final String name;
    private final float[] weight;
    private final float[] bias;
    private final Op.Conv conv; // null for a Dense
    private final int[] inShape, outShape;
    private final int denseIn, denseOut;

    private LoopStep(String name, float[] weight, float[] bias, Op.Conv conv, int[] inShape, int[] outShape, int denseIn, int denseOut) {
        super(dev.sparrow.tensor.Tensor.checkedSize(inShape), dev.sparrow.tensor.Tensor.checkedSize(outShape));
        this.name = name;
        this.weight = weight;
        this.bias = bias;
        this.conv = conv;
        this.inShape = inShape.clone();
        this.outShape = outShape.clone();
        this.denseIn = denseIn;
        this.denseOut = denseOut;
    }

    static LoopStep dense(String name, Op.Dense d, int[] inShape, int[] outShape) {
        return new LoopStep(name, d.weight().data().clone(), d.bias() == null ? null : d.bias().data().clone(), null,
                inShape, outShape, d.inFeatures(), d.outFeatures());
    }

    static LoopStep conv(String name, Op.Conv c, int[] inShape, int[] outShape) {
        return new LoopStep(name, c.weight().data().clone(), c.bias() == null ? null : c.bias().data().clone(), c,
                inShape, outShape, 0, 0);
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] x, float[] out, int batch) {
        if (conv == null) {
            int rows = batch * (inFeatures / denseIn);
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < denseOut; o++) {
                    float acc = bias == null ? 0f : bias[o];
                    for (int i = 0; i < denseIn; i++) acc += x[r * denseIn + i] * weight[o * denseIn + i];
                    out[r * denseOut + o] = acc;
                }
            }
            return;
        }
        int cin = inShape[0], h = inShape[1], w = inShape[2], cout = outShape[0], oh = outShape[1], ow = outShape[2];
        int kh = conv.weight().dim(2), kw = conv.weight().dim(3);
        int cinPerGroup = cin / conv.groups(), coutPerGroup = cout / conv.groups();
        int[] st = conv.strides(), pd = conv.pads(), dl = conv.dilations();
        for (int n = 0; n < batch; n++) {
            for (int oc = 0; oc < cout; oc++) {
                int g = oc / coutPerGroup;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float acc = bias == null ? 0f : bias[oc];
                        for (int ic = 0; ic < cinPerGroup; ic++) {
                            int channel = g * cinPerGroup + ic;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * st[0] - pd[0] + ky * dl[0];
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * st[1] - pd[1] + kx * dl[1];
                                    if (ix < 0 || ix >= w) continue;
                                    acc += x[((n * cin + channel) * h + iy) * w + ix] * weight[((oc * cinPerGroup + ic) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        out[((n * cout + oc) * oh + oy) * ow + ox] = acc;
                    }
                }
            }
        }
    }

    @Override
    String describe() { return name + ": " + (conv == null ? "Dense" : "Conv") + " (plain loops)"; }
}
