package dev.sparrow.infer;

/** Max or average pooling of batch-major [C, H, W] samples (ONNX semantics: pads, dilations, count_include_pad). */
final class PoolStep extends Step {
    private final boolean max;
    private final boolean countIncludePad;
    private final int channels, h, w, oh, ow;
    private final int[] k, s, p, dil;
    /** No padding and no dilation: every window lies inside the image, so the loop needs no bounds checks. */
    private final boolean unpadded;
    private final PoolKernels kernels = PoolKernels.of(dev.sparrow.kernel.Backend.get());

    PoolStep(boolean max, int[] in, int[] out, int[] kernel, int[] strides, int[] pads, int[] dilations, boolean countIncludePad) {
        super(in[0] * in[1] * in[2], out[0] * out[1] * out[2]);
        this.max = max;
        this.countIncludePad = countIncludePad;
        this.channels = in[0];
        this.h = in[1];
        this.w = in[2];
        this.oh = out[1];
        this.ow = out[2];
        this.k = kernel.clone();
        this.s = strides.clone();
        this.p = pads.clone();
        this.dil = dilations.clone();
        this.unpadded = p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0 && dil[0] == 1 && dil[1] == 1;
    }

    /**
     * The common case (PyTorch's MaxPool2d(2)): windows inside the image, read row by row without bounds checks,
     * one loop per kind and a loop of its own for 2x2 windows (the profile of a small CNN at batch 64 had the
     * general loop as its hottest method, above the convolution kernels).
     */
    private void windows(float[] x, float[] out, int batch) {
        if (max && k[0] == 2 && k[1] == 2) {
            max2x2(x, out, batch);
            return;
        }
        int kh = k[0], kw = k[1], sh = s[0], sw = s[1];
        float inverse = 1f / (kh * kw);
        for (int nc = 0; nc < batch * channels; nc++) {
            int plane = nc * h * w;
            int o = nc * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int top = plane + oy * sh * w;
                for (int ox = 0; ox < ow; ox++, o++) {
                    int base = top + ox * sw;
                    if (max) {
                        float acc = x[base];
                        for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) acc = Math.max(acc, x[base + ky * w + kx]);
                        out[o] = acc;
                    } else {
                        float acc = 0f;
                        for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) acc += x[base + ky * w + kx];
                        out[o] = acc * inverse;
                    }
                }
            }
        }
    }

    private void max2x2(float[] x, float[] out, int batch) {
        int sh = s[0], sw = s[1];
        for (int nc = 0; nc < batch * channels; nc++) {
            int plane = nc * h * w;
            int o = nc * oh * ow;
            for (int oy = 0; oy < oh; oy++) {
                int r0 = plane + oy * sh * w, r1 = r0 + w;
                if (sw == 2) { // MaxPool2d(2): vectorised
                    kernels.max2x2Row(x, r0, r1, out, o, ow);
                    o += ow;
                    continue;
                }
                for (int ox = 0, i = 0; ox < ow; ox++, i += sw) {
                    out[o++] = Math.max(Math.max(x[r0 + i], x[r0 + i + 1]), Math.max(x[r1 + i], x[r1 + i + 1]));
                }
            }
        }
    }

    @Override
    Boolean readsTransposed() { return Boolean.FALSE; }

    @Override
    void run(Workspace ws, float[] x, float[] out, int batch) {
        if (unpadded) {
            windows(x, out, batch);
            return;
        }
        for (int nc = 0; nc < batch * channels; nc++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    float acc = max ? Float.NEGATIVE_INFINITY : 0f;
                    int counted = 0;
                    for (int ky = 0; ky < k[0]; ky++) {
                        int iy = oy * s[0] - p[0] + ky * dil[0];
                        for (int kx = 0; kx < k[1]; kx++) {
                            int ix = ox * s[1] - p[1] + kx * dil[1];
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                float v = x[(nc * h + iy) * w + ix];
                                acc = max ? Math.max(acc, v) : acc + v;
                                counted++;
                            } else if (countIncludePad && iy >= -p[0] && iy < h + p[2] && ix >= -p[1] && ix < w + p[3]) {
                                counted++;
                            }
                        }
                    }
                    out[(nc * oh + oy) * ow + ox] = max ? acc : acc / Math.max(1, counted);
                }
            }
        }
    }

    @Override
    String describe() {
        return (max ? "MaxPool(" : "AveragePool(") + k[0] + "x" + k[1] + ", stride " + s[0] + ") on " + h + "x" + w;
    }
}
