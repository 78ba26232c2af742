package dev.sparrow.nn.layers;

/**
 * The geometry of a 2-D convolution over one sample, and the unfolding that turns it into a GEMM.
 * The column matrix has one row per weight position k = (c·kh + ky)·kw + kx and one column per output
 * pixel p = oy·ow + ox, so that out[cout, P] = W[cout, K] · col[K, P]. Rows are {@code ld} apart, so
 * several samples can be unfolded side by side into one wider matrix.
 */
public final class Im2col {
    public final int channels, height, width, kh, kw, stride, padding, outH, outW;

    public Im2col(int channels, int height, int width, int kh, int kw, int stride, int padding) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.padding = padding;
        this.outH = (height + 2 * padding - kh) / stride + 1;
        this.outW = (width + 2 * padding - kw) / stride + 1;
    }

    public int rows() { return channels * kh * kw; }

    public int cols() { return outH * outW; }

    /** First ox whose input column ox·stride − padding + kx is >= 0. */
    private int firstOx(int kx) {
        int need = padding - kx; // ox·stride >= need
        return need <= 0 ? 0 : Math.min(outW, (need + stride - 1) / stride);
    }

    /** One past the last ox whose input column is < width. */
    private int endOx(int kx) {
        int lim = width - 1 + padding - kx; // ox·stride <= lim
        return lim < 0 ? 0 : Math.min(outW, lim / stride + 1);
    }

    /** col (rows × cols, at colOff, rows ld apart) = unfold of x (channels × height × width, at xOff). */
    public void unfold(float[] x, int xOff, float[] col, int colOff, int ld) {
        int cols = ld;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * height * width;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((c * kh + ky) * kw + kx) * cols;
                    int lo = firstOx(kx);
                    int hi = Math.max(lo, endOx(kx));
                    for (int oy = 0; oy < outH; oy++) {
                        int dst = row + oy * outW;
                        int iy = oy * stride - padding + ky;
                        if (iy < 0 || iy >= height) {
                            for (int ox = 0; ox < outW; ox++) col[dst + ox] = 0f;
                            continue;
                        }
                        for (int ox = 0; ox < lo; ox++) col[dst + ox] = 0f;
                        int src = plane + iy * width - padding + kx;
                        if (stride == 1) {
                            // rows are short (7 to 32 pixels): a plain loop beats arraycopy's call overhead
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = x[src + ox];
                        } else {
                            for (int ox = lo; ox < hi; ox++) col[dst + ox] = x[src + ox * stride];
                        }
                        for (int ox = hi; ox < outW; ox++) col[dst + ox] = 0f;
                    }
                }
            }
        }
    }

    /** x (channels × height × width, at xOff) = fold of col (rows ld apart): each input pixel sums its entries. */
    void fold(float[] col, int colOff, int ld, float[] x, int xOff) {
        int cols = ld;
        int planeSize = height * width;
        java.util.Arrays.fill(x, xOff, xOff + channels * planeSize, 0f);
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * planeSize;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int row = colOff + ((c * kh + ky) * kw + kx) * cols;
                    int lo = firstOx(kx);
                    int hi = endOx(kx);
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * stride - padding + ky;
                        if (iy < 0 || iy >= height) continue;
                        int src = row + oy * outW;
                        int dst = plane + iy * width - padding + kx;
                        if (stride == 1) {
                            for (int ox = lo; ox < hi; ox++) x[dst + ox] += col[src + ox];
                        } else {
                            for (int ox = lo; ox < hi; ox++) x[dst + ox * stride] += col[src + ox];
                        }
                    }
                }
            }
        }
    }
}
