package dev.sparrow.nn.layers;

/**
 * Plain double-precision forward passes, written as directly from the definitions as possible: the
 * oracle the float layers and their gradients are checked against.
 */
final class RefOps {
    private RefOps() {}

    /** y[n, o] = Σ_i x[n, i]·w[o, i] + b[o]. */
    static double[] linear(double[] x, int batch, int in, double[] w, double[] b, int out) {
        double[] y = new double[batch * out];
        for (int n = 0; n < batch; n++) {
            for (int o = 0; o < out; o++) {
                double acc = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) acc += x[n * in + i] * w[o * in + i];
                y[n * out + o] = acc;
            }
        }
        return y;
    }

    static int outSize(int size, int kernel, int stride, int pad) {
        return (size + 2 * pad - kernel) / stride + 1;
    }

    /** Direct convolution, NCHW, weight [cout, cin, kh, kw], zero padding. */
    static double[] conv2d(double[] x, int batch, int cin, int h, int w, double[] wt, double[] b,
                           int cout, int kh, int kw, int stride, int pad) {
        int oh = outSize(h, kh, stride, pad), ow = outSize(w, kw, stride, pad);
        double[] y = new double[batch * cout * oh * ow];
        for (int n = 0; n < batch; n++)
            for (int co = 0; co < cout; co++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = b == null ? 0 : b[co];
                        for (int ci = 0; ci < cin; ci++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    acc += x[((n * cin + ci) * h + iy) * w + ix] * wt[((co * cin + ci) * kh + ky) * kw + kx];
                                }
                        y[((n * cout + co) * oh + oy) * ow + ox] = acc;
                    }
        return y;
    }

    /**
     * Batch norm over [batch, c, spatial]: with {@code runMean == null} the batch statistics (biased
     * variance), otherwise the given running statistics.
     */
    static double[] batchNorm(double[] x, int batch, int c, int spatial, double[] gamma, double[] beta,
                              double eps, double[] runMean, double[] runVar) {
        double[] y = new double[x.length];
        for (int ch = 0; ch < c; ch++) {
            double mean, var;
            if (runMean == null) {
                double s = 0;
                for (int n = 0; n < batch; n++) for (int i = 0; i < spatial; i++) s += x[(n * c + ch) * spatial + i];
                mean = s / (batch * spatial);
                double q = 0;
                for (int n = 0; n < batch; n++)
                    for (int i = 0; i < spatial; i++) {
                        double d = x[(n * c + ch) * spatial + i] - mean;
                        q += d * d;
                    }
                var = q / (batch * spatial);
            } else {
                mean = runMean[ch];
                var = runVar[ch];
            }
            for (int n = 0; n < batch; n++)
                for (int i = 0; i < spatial; i++) {
                    int idx = (n * c + ch) * spatial + i;
                    y[idx] = gamma[ch] * (x[idx] - mean) / Math.sqrt(var + eps) + beta[ch];
                }
        }
        return y;
    }

    static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = Math.max(x[i], 0);
        return y;
    }

    static double[] add(double[] a, double[] b) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) y[i] = a[i] + b[i];
        return y;
    }

    static double[] maxPool(double[] x, int batch, int c, int h, int w, int k, int stride) {
        int oh = (h - k) / stride + 1, ow = (w - k) / stride + 1;
        double[] y = new double[batch * c * oh * ow];
        for (int p = 0; p < batch * c; p++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double m = Double.NEGATIVE_INFINITY;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) m = Math.max(m, x[(p * h + oy * stride + ky) * w + ox * stride + kx]);
                    y[(p * oh + oy) * ow + ox] = m;
                }
        return y;
    }

    static double[] globalAvgPool(double[] x, int planes, int pixels) {
        double[] y = new double[planes];
        for (int p = 0; p < planes; p++) {
            double s = 0;
            for (int i = 0; i < pixels; i++) s += x[p * pixels + i];
            y[p] = s / pixels;
        }
        return y;
    }
}
